"""A small fixed-window rate limit per client address, kept in Django's cache (Redis when REDIS_URL is set).

Used on public endpoints that cost something or hand out numbers: certificate verification, refusal notices and
the public PDFs (notice boards, refusal notices).
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
    key = f"ratelimit:{scope}:{client_address(request)}"
    cache.add(key, 0, timeout=window_seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=window_seconds)
        count = 1
    return count > limit
