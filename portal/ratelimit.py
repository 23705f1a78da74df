"""A small fixed-window rate limit per client address, kept in Django's cache.

Used on public endpoints that cost something or hand out numbers: certificate verification, refusal notices, the
public PDFs (notice boards, refusal notices) and CSP reports.

The counters must be shared by every process that serves the portal, or each of N worker processes would allow the
limit again (N times the limit in all). With REDIS_URL set the cache is Redis (settings.CACHES); with more than one
worker (WEB_CONCURRENCY) and a per-process cache the portal refuses to start (portal.checks).

When Redis cannot be reached the counters cannot be kept, and each limit decides on purpose (documented in README):
closed for the public (the verification page, public PDFs, refusal notices, SMS codes answer "try again later": a
guessing or SMS-bombing run gets nothing while it cannot be counted), open for signed-in staff and officers (their
work goes on; they are identified and their actions recorded). `request.rate_limit_unavailable` tells a page that
refused for this reason, so it can say so instead of "too many requests".
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.http import HttpRequest
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


class CountUnavailable(Exception):
    """The shared counters cannot be reached (Redis down)."""


def works_here(request: HttpRequest) -> bool:
    """A signed-in member of staff or officer (any active role but resident)."""
    from portal.access import active_memberships
    from portal.roles import Role

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    return any(m.role != Role.RESIDENT for m in active_memberships(user))


def client_address(request: HttpRequest) -> str:
    # Behind the production proxy REMOTE_ADDR is set by the WSGI server from the proxy's connection; a
    # deployment that terminates TLS elsewhere must pass the real address in REMOTE_ADDR (e.g. uWSGI/gunicorn
    # forwarded-allow-ips), never trust a client-supplied X-Forwarded-For here.
    return request.META.get("REMOTE_ADDR") or "unknown"


def over_limit(request: HttpRequest, scope: str, *, limit: int, window_seconds: int) -> bool:
    """Count this request; True when the client made more than `limit` requests in the current window. Redis down:
    True (refused) for the public, False for signed-in staff and officers."""
    try:
        return count_event(f"{scope}:{client_address(request)}", limit=limit, window_seconds=window_seconds)
    except CountUnavailable:
        if works_here(request):
            return False
        request.rate_limit_unavailable = True
        return True


def over_limit_key(identity: str, *, limit: int, window_seconds: int) -> bool:
    """Count one event for `identity` (a client address, a phone number…); True when more than `limit` happened in
    the current window, and when the count cannot be kept (Redis down: closed)."""
    try:
        return count_event(identity, limit=limit, window_seconds=window_seconds)
    except CountUnavailable:
        return True


def count_event(identity: str, *, limit: int, window_seconds: int) -> bool:
    """True when more than `limit` events for `identity` happened in the current window; CountUnavailable when the
    counters cannot be reached."""
    try:
        return _count(identity, limit=limit, window_seconds=window_seconds)
    except RedisError as error:
        log.info("rate limit %s not counted: %s", identity.split(":")[0], error)
        raise CountUnavailable from error


def _count(identity: str, *, limit: int, window_seconds: int) -> bool:
    key = f"ratelimit:{identity}"
    # Opens the window with its expiry; does nothing while the window is open (SET NX EX on Redis).
    cache.add(key, 0, timeout=window_seconds)
    try:
        # Atomic across processes on Redis (INCR) and within a process in LocMemCache (under its lock).
        count = cache.incr(key)
    except ValueError:  # the window closed between add and incr: open the next one (add again, atomically)
        count = 1 if cache.add(key, 1, timeout=window_seconds) else cache.incr(key)
    if count == 1:
        # First request of the window. Django's Redis incr checks that the key exists, then INCRs: a key that expired
        # in between is re-created by INCR without an expiry, and would block this client for good. Set the window.
        cache.touch(key, timeout=window_seconds)
    return count > limit
