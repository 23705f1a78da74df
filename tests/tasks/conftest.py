"""A real task queue for these tests: Redis database 13 as the broker, and Celery workers started as processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection

from tests.conftest import reachable_redis

BROKER_URL = "redis://127.0.0.1:6379/13"  # this suite's own Redis database (the rate-limit tests use 12)
UNREACHABLE_BROKER_URL = "redis://127.0.0.1:9/0"  # the discard port: nothing listens there


def wait_until(predicate: Callable[[], object], *, timeout: float = 120, what: str | Callable[[], str] = "") -> object:
    """Poll until predicate() is truthy. A deadline for waiting on another process, not a speed assertion."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting after {timeout} s: {what() if callable(what) else what}")


def _reset_publisher() -> None:
    """Forget the connections the portal's Celery app opened to a broker (the next test may use another)."""
    from kombu import pools

    from portal.celery import app

    pools.reset()  # closes kombu's shared connection and producer pools and empties their registry
    app._pool = None
    app.amqp._producer_pool = None


def _use_broker(settings, url: str) -> None:
    # The Celery app reads Django's settings lazily, so the test's settings reach it.
    settings.CELERY_BROKER_URL = url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    _reset_publisher()


@pytest.fixture
def item(db):
    """亲属关系证明（仅限公证） of the 雁塔区 catalog (as in tests/certificates)."""
    from catalog.models import IssuableItem

    return IssuableItem.objects.get(code="610113-ZM01")


@pytest.fixture
def redis_broker() -> Iterator[redis.Redis]:
    client = reachable_redis(BROKER_URL)
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture
def queue(settings, redis_broker) -> Iterator[str]:
    """The portal queues its tasks in Redis instead of running them inline."""
    _use_broker(settings, BROKER_URL)
    yield BROKER_URL
    _reset_publisher()


@pytest.fixture
def broker_down(settings) -> Iterator[str]:
    """A broker is configured but Redis cannot be reached."""
    _use_broker(settings, UNREACHABLE_BROKER_URL)
    yield UNREACHABLE_BROKER_URL
    _reset_publisher()


@dataclass
class Worker:
    process: subprocess.Popen
    sms_record: Path
    hang_flag: Path
    pid_file: Path
    log: Path

    def sms_lines(self) -> list[str]:
        return self.sms_record.read_text().splitlines() if self.sms_record.exists() else []


@pytest.fixture
def worker(queue, tmp_path) -> Iterator[Worker]:
    """A Celery worker process (prefork, one child) on the test's database and broker."""
    if connection.vendor != "postgresql":
        pytest.skip("a worker is another process: it reaches the test database only on PostgreSQL (CI's first pass)")
    files = Worker(
        process=None,  # type: ignore[arg-type]
        sms_record=tmp_path / "sms.jsonl",
        hang_flag=tmp_path / "hang",
        pid_file=tmp_path / "sending.pid",
        log=tmp_path / "worker.log",
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.tasks.worker_settings",
        "CELERY_BROKER_URL": queue,
        "PORTAL_WORKER_DB_NAME": connection.settings_dict["NAME"],
        "SMS_RECORD_FILE": str(files.sms_record),
        "SMS_HANG_FLAG": str(files.hang_flag),
        "SMS_PID_FILE": str(files.pid_file),
    }
    command = [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=prefork", "--concurrency=1"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info"]
    command += ["-n", f"test-{uuid.uuid4().hex[:8]}@%h"]
    with files.log.open("wb") as log:
        files.process = subprocess.Popen(
            command, cwd=django_settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield files
    finally:
        os.killpg(files.process.pid, signal.SIGTERM)  # the worker and its pool children
        try:
            files.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(files.process.pid, signal.SIGKILL)
            files.process.wait(timeout=10)
