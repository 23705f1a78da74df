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
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
