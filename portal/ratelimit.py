"""A small fixed-window rate limit per client address, kept in Django's cache.

Used on public endpoints that cost something or hand out numbers: certificate verification, refusal notices, the
public PDFs (notice boards, refusal notices) and CSP reports.

The counters must be shared by every process that serves the portal, or each of N worker processes would allow the
limit again (N times the limit in all). With REDIS_URL set the cache is Redis (settings.CACHES); with more than one
worker (WEB_CONCURRENCY) and a per-process cache the portal refuses to start (portal.checks).
"""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    # Behind the production proxy REMOTE_ADDR is set by the WSGI server from the proxy's connection; a
    # deployment that terminates TLS elsewhere must pass the real address in REMOTE_ADDR (e.g. uWSGI/gunicorn
    # forwarded-allow-ips), never trust a client-supplied X-Forwarded-For here.
    return request.META.get("REMOTE_ADDR") or "unknown"


def over_limit(request: HttpRequest, scope: str, *, limit: int, window_seconds: int) -> bool:
    """Count this request; True when the client made more than `limit` requests in the current window."""
    return over_limit_key(f"{scope}:{client_address(request)}", limit=limit, window_seconds=window_seconds)


def over_limit_key(identity: str, *, limit: int, window_seconds: int) -> bool:
    """Count one event for `identity` (a client address, a phone number…); True when more than `limit` happened in
    the current window."""
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
