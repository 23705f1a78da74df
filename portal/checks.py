"""System checks of the deployment: the rate-limit counters are shared by every worker process.

Registered in PortalConfig.ready(); run by every manage.py command and, because gunicorn does not run Django's
checks, once more by portal/wsgi.py when a worker starts, which then refuses to serve.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register

# Caches whose counters every process sees and whose incr is atomic. The file and database caches are shared but
# increment by read-then-write (two workers can both read 4 and both write 5), so they do not count here.
SHARED_CACHE_BACKENDS = {
    "portal.cache.ResilientRedisCache",
    "django.core.cache.backends.redis.RedisCache",
    "django.core.cache.backends.memcached.PyMemcacheCache",
    "django.core.cache.backends.memcached.PyLibMCCache",
}


@register(Tags.caches)
def rate_limits_are_shared(app_configs=None, **kwargs) -> list[Error]:
    workers = getattr(settings, "WEB_CONCURRENCY", 1)
    backend = settings.CACHES["default"]["BACKEND"]
    if workers > 1 and backend not in SHARED_CACHE_BACKENDS:
        return [
            Error(
                f"WEB_CONCURRENCY={workers}，但缓存 {backend} 不在进程间共享：每个进程各自计数，限流会失效。"
                f" / WEB_CONCURRENCY={workers} but the cache {backend} is not shared between processes: each worker "
                "would count on its own and rate limits would not hold.",
                hint="设置 REDIS_URL（如 redis://127.0.0.1:6379/0），或设置 WEB_CONCURRENCY=1。 / "
                "Set REDIS_URL (e.g. redis://127.0.0.1:6379/0), or WEB_CONCURRENCY=1.",
                id="portal.E001",
            )
        ]
    return []
