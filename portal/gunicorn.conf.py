"""gunicorn settings for `make serve` and production. Everything can be overridden by gunicorn's own environment
variables (GUNICORN_CMD_ARGS) or the ones read here."""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
# gunicorn reads WEB_CONCURRENCY itself; the portal refuses more than one worker without a shared cache (rate
# limits and cached PDFs must be shared), so one is the default where no REDIS_URL is set.
workers = int(os.environ.get("WEB_CONCURRENCY", "2" if os.environ.get("REDIS_URL") else "1"))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))  # PDF rendering of a long notice board takes seconds
graceful_timeout = 30
# Recycle workers now and then: WeasyPrint and fontconfig caches grow with every distinct document.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# Django is imported once in the master and forked: a worker recycled by max_requests starts in milliseconds instead of
# re-importing the portal for a second or more while its share of requests waits (the load test's p95 outliers), and
# workers share the imported code's memory. Nothing opens a database or Redis connection at import time (Django
# connects on first use, in each worker). New code needs a restart of the master, not a HUP (deploy/README.md).
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") == "1"
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def when_ready(server):
    """In the master, once the preloaded portal is imported: warm what every forked worker inherits."""
    if preload_app:
        from portal.warmup import warm

        try:
            server.log.info("warmed %d templates, the URL resolver and the translation catalogs", warm())
        except Exception:  # noqa: BLE001 - warming is an optimisation: the workers would do it on first use anyway
            server.log.exception("warm-up failed; workers prepare themselves on their first requests")
