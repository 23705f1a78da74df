"""Redis down (the shared cache of rate limits and cached PDFs; README "Redis down"): the portal keeps serving. Rate
limits cannot be counted then, and each decides on purpose: closed for the public (the verification page says the
service is busy, as a 503), open for signed-in staff and officers, whose work goes on."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.models import User

# The discard port: nothing listens there, as when Redis is down. The portal's own cache backend, as in production.
DOWN = {
    "default": {
        "BACKEND": "portal.cache.ResilientRedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


@pytest.fixture
def redis_down(settings):
    settings.CACHES = DOWN


@pytest.fixture
def certificate(personas):
    from tests.api.conftest import issue_zm01

    return issue_zm01(personas, personas.resident_a)


def test_the_public_verification_page_fails_closed(client, certificate, redis_down):
    response = client.get(reverse("verify", args=[certificate.code]))
    assert response.status_code == 503 and response["Retry-After"]
    page = response.content.decode()
    assert "核验服务暂时繁忙" in page and certificate.entry.display_number not in page  # nothing looked up


def test_signed_in_residents_are_the_public_too(client, certificate, personas, redis_down):
    client.force_login(personas.resident_a)
    assert client.get(reverse("verify", args=[certificate.code])).status_code == 503


def test_signed_in_staff_verify_as_usual(client, certificate, personas, redis_down):
    client.force_login(personas.staff_x)
    response = client.get(reverse("verify", args=[certificate.code]))
    assert response.status_code == 200 and "有效" in response.content.decode()


def test_sms_codes_are_not_sent_while_they_cannot_be_counted(client, personas, settings):
    from portal import sms

    phone = "13966660021"
    User.objects.filter(pk=personas.resident_a.pk).update(phone=phone)
    sms.outbox.clear()
    client.post(reverse("login_code"), {"phone": phone, "action": "send"})
    assert len(sms.outbox) == 1  # with the counters, a code goes out
    settings.CACHES = DOWN
    client.post(reverse("login_code"), {"phone": phone, "action": "send"}, REMOTE_ADDR="10.0.0.9")
    assert len(sms.outbox) == 1  # without them, none: no SMS bombing while limits cannot be counted
    sms.outbox.clear()


def test_the_rest_of_the_portal_keeps_serving(client, personas, redis_down):
    assert client.get(reverse("catalog:community_list")).status_code == 200
    code = personas.community_x.code
    assert client.get(f"/catalog/c/{code}/issuable/610113-ZM01/").status_code == 200
    client.force_login(personas.staff_x)
    assert client.get(reverse("desk:queue")).status_code == 200


def test_readyz_names_the_cache_as_degraded_and_stays_ready(client, db, redis_down):
    # The portal keeps serving without Redis, so the balancer must keep the app server (portal/health.py).
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json()["status"] == "degraded"
    assert response.json()["checks"]["cache"]["ok"] is False


def test_after_a_timeout_redis_is_left_alone_for_a_few_seconds_but_deletes_still_go_through(redis_down, monkeypatch):
    """A Redis that drops packets costs each call its socket timeout: after one the process skips reads and writes for
    a few seconds instead of paying that on every cache call of every request. A delete is how a change (a sign-out,
    a revoked role) reaches the other processes, so it is always tried."""
    import time

    from django.core.cache import cache
    from django.core.cache.backends.redis import RedisCache
    from redis.exceptions import RedisError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    from portal.cache import ResilientRedisCache

    calls = []

    def hanging(self, *args, **kwargs):
        calls.append(args)
        raise RedisTimeoutError("timed out")

    monkeypatch.setattr(RedisCache, "get", hanging)
    monkeypatch.setattr(RedisCache, "incr", hanging)
    monkeypatch.setattr(RedisCache, "delete", hanging)
    monkeypatch.setattr(RedisCache, "delete_many", hanging)
    assert cache.get("a") is None and cache.get("b") is None and cache.get("c", 7) == 7
    assert len(calls) == 1
    with pytest.raises(RedisError):
        cache.incr("counter")  # counting still raises, so rate limits decide what an outage means
    assert len(calls) == 1
    cache.delete("a")
    cache.delete_many(["a", "b"])  # the page cache's retirements (portal/pagecache.py)
    assert len(calls) == 3  # tried during the pause, and no error reaches the caller
    later = time.monotonic() + ResilientRedisCache.PAUSE_SECONDS + 1
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert cache.get("a") is None
    assert len(calls) == 4  # tried again after the pause


def test_an_error_other_than_a_lost_connection_does_not_pause(redis_down, monkeypatch):
    """Out of memory refuses writes while reads and deletes work: nothing is skipped because of it."""
    from django.core.cache import cache
    from django.core.cache.backends.redis import RedisCache
    from redis.exceptions import ResponseError

    calls = []

    def out_of_memory(self, *args, **kwargs):
        calls.append(args)
        raise ResponseError("OOM command not allowed when used memory > 'maxmemory'")

    monkeypatch.setattr(RedisCache, "set", out_of_memory)
    monkeypatch.setattr(RedisCache, "get", out_of_memory)
    cache.set("a", 1)
    cache.get("a")
    assert len(calls) == 2


def test_signed_in_state_is_read_from_the_database_while_redis_is_down(client, personas, redis_down, settings):
    settings.AUTH_STATE_SECONDS = 60  # the shared sign-in state (portal/authstate.py), as production runs
    settings.SESSION_ENGINE = "portal.authstate"
    client.force_login(personas.staff_x, backend="portal.auth.PhoneOrUsernameBackend")
    assert client.get(reverse("desk:queue")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("desk:queue")).status_code == 302
