"""The shared cache on Redis, built so that a Redis outage does not take the portal down.

Reads miss and writes are skipped while Redis cannot be reached (cached PDFs and lookups are then computed again), with
one warning a minute per process rather than one per request. Counting (`incr`) is the exception: it raises, so that
rate limits decide on purpose what an outage means (portal/ratelimit.py: closed for the public, open for staff).
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
_last_warning = 0.0


def _unreachable(operation: str, error: Exception) -> None:
    global _last_warning
    now = time.monotonic()
    if now - _last_warning > 60:
        _last_warning = now
        log.warning("Redis unreachable (%s: %s); serving without the shared cache", operation, error)


class _ReusedClients(RedisCacheClient):
    """Django builds a new redis.Redis for every call, filling a dict of some 170 response callbacks each time (about
    a tenth of a millisecond, several times per signed-in request). One per connection pool is enough: a redis.Redis
    holds no connection of its own and is thread-safe over its pool."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class ResilientRedisCache(RedisCache):
    """After a lost connection or a timeout, this process skips reads and writes for PAUSE_SECONDS: a Redis that drops
    packets costs one request its socket timeout, not every cache call of every request (a signed-in page makes
    several, portal/authstate.py). Deletes are always tried: a delete is how a change reaches the other processes
    (a sign-out, a revoked role, a replaced catalog generation), and skipping one on the strength of another call's
    error would leave a stale copy in a Redis that is up. Other errors (out of memory, a refused command) do not pause.
    """

    PAUSE_SECONDS = 5.0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._class = _ReusedClients
        self._paused_until = 0.0

    def unreachable(self) -> bool:
        """True while this process is leaving Redis alone after an error (see cache_unreachable)."""
        return time.monotonic() < self._paused_until

    def _call(self, operation: str, fallback, call, *, pausable: bool = True, raising: bool = False):
        """The call, or `fallback` while paused or when Redis fails; with `raising`, the error goes to the caller
        (during the pause too), which then decides what an outage means."""
        if pausable and time.monotonic() < self._paused_until:
            if raising:
                raise RedisConnectionError("Redis paused after an error (portal.cache)")
            return fallback
        try:
            return call()
        except RedisError as error:
            self._failed(error)
            if raising:
                raise
            _unreachable(operation, error)
            return fallback

    def _failed(self, error: RedisError) -> None:
        if isinstance(error, (RedisConnectionError, RedisTimeoutError)):
            self._paused_until = time.monotonic() + self.PAUSE_SECONDS

    def get(self, key, default=None, version=None):
        return self._call("get", default, lambda: super(ResilientRedisCache, self).get(key, default, version))

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, lambda: super(ResilientRedisCache, self).get_many(keys, version))

    def set(self, key, value, timeout=None, version=None):  # noqa: A003 - Django's name
        self._call("set", None, lambda: super(ResilientRedisCache, self).set(key, value, timeout, version))

    def add(self, key, value, timeout=None, version=None):
        return self._call("add", False, lambda: super(ResilientRedisCache, self).add(key, value, timeout, version))

    def has_key(self, key, version=None):  # `key in cache`: the cached sessions ask it when making a session key
        return self._call("has_key", False, lambda: super(ResilientRedisCache, self).has_key(key, version))

    def touch(self, key, timeout=None, version=None):
        return self._call("touch", False, lambda: super(ResilientRedisCache, self).touch(key, timeout, version))

    def delete(self, key, version=None):
        return self._call(
            "delete", False, lambda: super(ResilientRedisCache, self).delete(key, version), pausable=False
        )

    def delete_many(self, keys, version=None):
        return self._call(
            "delete_many", None, lambda: super(ResilientRedisCache, self).delete_many(keys, version), pausable=False
        )

    def clear(self):
        return self._call("clear", False, lambda: super(ResilientRedisCache, self).clear())

    def incr(self, key, delta=1, version=None):
        # Counting raises (rate limits decide what an outage means), during the pause as well.
        return self._call(
            "incr", None, lambda: super(ResilientRedisCache, self).incr(key, delta, version), raising=True
        )


def cache_unreachable(backend) -> bool:
    """True when the shared cache has just failed in this process: a caller can tell "nothing stored" apart from
    "could not store" (e.g. a lock that add() did not take). Other backends never are."""
    check = getattr(backend, "unreachable", None)
    return bool(check and check())
