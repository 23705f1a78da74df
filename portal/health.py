"""Health endpoints for the load balancer and the orchestrator.

`/healthz`: the process answers (no database, no cache: a database outage must not get app servers killed).
`/readyz`: the parts a request needs are reachable: the database, the cache, the file storage (local files or the
object store) and, when a broker is configured (CELERY_BROKER_URL), the task queue.
- Without the database or the storage no request can be served: 503 names the part, so that the balancer stops
  sending traffic until it is back.
- Without Redis (cache or queue) the portal keeps serving (portal/cache.py; notifications wait as pending rows):
  200 with status "degraded" and the part named, so that a Redis outage does not take every app server out of the
  balancer at once.
"""

from __future__ import annotations

import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@require_safe
def qr_public_key(request: HttpRequest) -> JsonResponse:
    """The public key that checks certificate QR payloads (portal/keys.py), for offline verifiers."""
    from portal.keys import qr_public_key_document

    response = JsonResponse(qr_public_key_document(), json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"  # any verifier app may fetch it
    response["Cache-Control"] = "public, max-age=3600"
    return response


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not keep a value")
    cache.delete(key)


def _storage() -> None:
    name = default_storage.save(f"readyz/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    default_storage.delete(name)


def _queue() -> None:
    from portal.celery import app

    # From settings, not the app's cached configuration: one connection, no retries, a short timeout.
    with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)


CHECKS = {"database": _database, "cache": _cache, "storage": _storage}
# Parts the portal serves without (see the module's docstring).
DEGRADABLE = frozenset({"cache", "queue"})


def checks() -> dict:
    return {**CHECKS, "queue": _queue} if settings.CELERY_BROKER_URL else CHECKS


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    results: dict[str, dict] = {}
    for name, check in checks().items():
        started = time.perf_counter()
        try:
            check()
        except Exception as error:  # noqa: BLE001 - any failure means not ready; the type is reported
            results[name] = {"ok": False, "error": type(error).__name__}
        else:
            results[name] = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}
    ready = all(r["ok"] for name, r in results.items() if name not in DEGRADABLE)
    status = "unavailable" if not ready else "ok" if all(r["ok"] for r in results.values()) else "degraded"
    response = JsonResponse({"status": status, "checks": results}, status=200 if ready else 503)
    if not ready:
        response["Retry-After"] = "10"
    return response
