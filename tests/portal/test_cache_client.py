"""The portal's Redis cache (portal/cache.py) against a real Redis: values round-trip, and the client object is built
once per connection pool, not once per call (Django's default rebuilds it every time, a measurable share of a
signed-in request now that the sign-in state is read from Redis)."""

import pytest
import redis

from tests.conftest import reachable_redis

REDIS_URL = "redis://127.0.0.1:6379/10"  # this test's own Redis database


@pytest.fixture
def portal_cache(settings):
    probe = reachable_redis(REDIS_URL)
    settings.CACHES = {"default": {"BACKEND": "portal.cache.ResilientRedisCache", "LOCATION": REDIS_URL}}
    from django.core.cache import cache

    yield cache
    probe.flushdb()
    probe.close()


def test_values_round_trip_and_one_client_serves_every_call(portal_cache, monkeypatch):
    built = []
    real_init = redis.Redis.__init__

    def counting_init(self, *args, **kwargs):
        built.append(1)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "__init__", counting_init)
    for n in range(10):
        portal_cache.set(f"k{n}", {"n": n}, 30)
        assert portal_cache.get(f"k{n}") == {"n": n}
    assert portal_cache.add("k0", 1, 30) is False and portal_cache.delete("k0") is True
    assert "k1" in portal_cache and "k0" not in portal_cache
    assert len(built) == 1  # one server, one pool, one client
