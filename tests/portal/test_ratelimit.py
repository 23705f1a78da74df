"""Rate limits hold across worker processes: counted in Redis, atomically, each window with an expiry; and the portal
refuses to start several workers with a per-process cache (portal.checks, portal/wsgi.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from portal.checks import rate_limits_are_shared
from portal.ratelimit import over_limit
from tests.conftest import reachable_redis

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/12"  # this suite's own Redis database
REDIS_CACHE = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
LOCMEM_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture
def redis_client():
    client = reachable_redis(REDIS_URL)
    yield client
    client.close()


@pytest.fixture
def scope(redis_client) -> str:
    """A scope of its own per test; its counters are removed afterwards."""
    name = f"test-{uuid.uuid4().hex}"
    yield name
    for key in redis_client.scan_iter(match=f"*ratelimit:{name}:*"):
        redis_client.delete(key)


# A worker process: the portal's settings with the cache of the environment; it counts `calls` requests from one
# address once the test says "go" (both workers have connected by then, so their calls overlap).
WORKER = """
import sys
import django
django.setup()
from django.core.cache import cache
from django.test import RequestFactory
from portal.ratelimit import over_limit
from tests.conftest import reachable_redis
scope, limit, calls = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
request = RequestFactory().get("/verify/", REMOTE_ADDR="203.0.113.7")
cache.get("connect")
print("ready", flush=True)
sys.stdin.readline()
print(sum(not over_limit(request, scope, limit=limit, window_seconds=300) for _ in range(calls)), flush=True)
"""


def run_two_workers(scope: str, limit: int, calls: int, redis_url: str | None) -> list[int]:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "WEB_CONCURRENCY"}}
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings_test"
    if redis_url:
        env["REDIS_URL"] = redis_url
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, scope, str(limit), str(calls)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        for worker in workers:
            assert worker.stdout.readline().strip() == "ready", worker.stderr.read()
        for worker in workers:
            worker.stdin.write("go\n")
            worker.stdin.flush()
        allowed = []
        for worker in workers:
            out, err = worker.communicate(timeout=120)
            assert worker.returncode == 0, err
            allowed.append(int(out.strip()))
        return allowed
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()


def test_two_processes_together_get_exactly_the_limit_with_redis(scope):
    allowed = run_two_workers(scope, limit=150, calls=200, redis_url=REDIS_URL)
    assert sum(allowed) == 150, allowed


def test_without_a_shared_cache_each_process_would_allow_the_limit_again(scope):
    """Why the check below exists: two workers with per-process memory allow twice the limit."""
    allowed = run_two_workers(scope, limit=150, calls=200, redis_url=None)
    assert allowed == [150, 150]


def test_every_window_in_redis_expires_even_when_a_key_expires_mid_count(scope, redis_client, settings, monkeypatch):
    settings.CACHES = REDIS_CACHE
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.8")
    over_limit(request, scope, limit=5, window_seconds=60)
    key = cache.make_key(f"ratelimit:{scope}:203.0.113.8")
    assert 0 < redis_client.ttl(key) <= 60

    # Django's Redis incr checks the key exists, then INCRs: let the window expire right between the two.
    from django.core.cache.backends.redis import RedisCacheClient

    def incr_racing_the_expiry(self, key, delta):
        client = self.get_client(key, write=True)
        if not client.exists(key):
            raise ValueError(f"Key '{key}' not found.")
        client.delete(key)  # the window expires here
        return client.incr(key, delta)  # INCR re-creates the key, without an expiry

    monkeypatch.setattr(RedisCacheClient, "incr", incr_racing_the_expiry)
    assert over_limit(request, scope, limit=5, window_seconds=60) is False
    assert 0 < redis_client.ttl(key) <= 60  # not -1: the client is not blocked for good


def test_the_limit_counts_per_window_in_process(settings):
    settings.CACHES = LOCMEM_CACHE
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9")
    results = [over_limit(request, "in-process", limit=3, window_seconds=60) for _ in range(5)]
    assert results == [False, False, False, True, True]


# --- several workers need a shared cache ---------------------------------------------------------------------------


def test_several_workers_with_a_per_process_cache_are_refused(settings):
    settings.WEB_CONCURRENCY = 4
    settings.CACHES = LOCMEM_CACHE
    [error] = rate_limits_are_shared()
    assert error.id == "portal.E001" and error.is_serious()
    assert "WEB_CONCURRENCY=4" in error.msg and "不在进程间共享" in error.msg and "not shared" in error.msg
    assert "REDIS_URL" in error.hint


@pytest.mark.parametrize(
    "workers, caches",
    [(1, LOCMEM_CACHE), (4, REDIS_CACHE)],
    ids=["one worker, own memory", "several workers, Redis"],
)
def test_one_worker_or_a_shared_cache_passes(settings, workers, caches):
    settings.WEB_CONCURRENCY = workers
    settings.CACHES = caches
    assert rate_limits_are_shared() == []


def test_a_wsgi_worker_refuses_to_start_without_a_shared_cache():
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(DEBUG="1", WEB_CONCURRENCY="3")
    result = subprocess.run(
        [sys.executable, "-c", "import portal.wsgi"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    assert "portal.E001" in result.stderr and "REDIS_URL" in result.stderr
    env["REDIS_URL"] = REDIS_URL  # the check does not connect: a configured Redis passes
    assert subprocess.run([sys.executable, "-c", "import portal.wsgi"], cwd=ROOT, env=env, timeout=120).returncode == 0
