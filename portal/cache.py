"""The shared cache on Redis, built so that a Redis outage does not take the portal down.

Reads miss and writes are skipped while Redis cannot be reached (cached PDFs and lookups are then computed again), with
one warning a minute per process rather than one per request. Counting (`incr`) is the exception: it raises, so that
rate limits decide on purpose what an outage means (portal/ratelimit.py: closed for the public, open for staff).
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
_last_warning = 0.0


def _unreachable(operation: str, error: Exception) -> None:
    global _last_warning
    now = time.monotonic()
    if now - _last_warning > 60:
        _last_warning = now
        log.warning("Redis unreachable (%s: %s); serving without the shared cache", operation, error)


class ResilientRedisCache(RedisCache):
    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError as error:
            _unreachable("get", error)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except RedisError as error:
            _unreachable("get_many", error)
            return {}

    def set(self, key, value, timeout=None, version=None):  # noqa: A003 - Django's name
        try:
            super().set(key, value, timeout, version)
        except RedisError as error:
            _unreachable("set", error)

    def add(self, key, value, timeout=None, version=None):
        try:
            return super().add(key, value, timeout, version)
        except RedisError as error:
            _unreachable("add", error)
            return False

    def touch(self, key, timeout=None, version=None):
        try:
            return super().touch(key, timeout, version)
        except RedisError as error:
            _unreachable("touch", error)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except RedisError as error:
            _unreachable("delete", error)
            return False

    def clear(self):
        try:
            return super().clear()
        except RedisError as error:
            _unreachable("clear", error)
            return False
