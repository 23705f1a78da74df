"""/healthz says the process answers; /readyz says whether the database, cache and storage are reachable."""

from unittest import mock

from django.db import OperationalError


def test_healthz_answers_without_touching_the_database(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_checks_every_part(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert set(response.json()["checks"]) == {"database", "cache", "storage"}
    assert all(check["ok"] for check in response.json()["checks"].values())


def test_readyz_fails_with_retry_after_when_the_database_is_unreachable(client, db):
    with mock.patch("portal.health.connection") as connection:
        connection.cursor.side_effect = OperationalError("connection refused")
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response["Retry-After"]
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == {"ok": False, "error": "OperationalError"}
    assert body["checks"]["cache"]["ok"] and body["checks"]["storage"]["ok"]


def test_readyz_names_a_storage_that_cannot_be_written(client, db, settings, tmp_path):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the media folder should be")
    settings.MEDIA_ROOT = blocked
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"]["ok"] is False


def test_readyz_stays_ready_but_degraded_when_the_cache_is_unreachable(client, db):
    # Redis down: pages are still served (portal/cache.py), so the balancer must keep the app server.
    with mock.patch("portal.health.cache") as cache:
        cache.set.side_effect = ConnectionError("redis unreachable")
        response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["cache"] == {"ok": False, "error": "ConnectionError"}
    assert body["checks"]["database"]["ok"] and body["checks"]["storage"]["ok"]
