"""Concurrency proof on the real PostgreSQL server: two runs of one large export at once (a redelivered message
crossing the first run) render one file; the second waits on the job's row lock and finds it done."""

import threading
import time

import pytest
from django.db import connection, connections
from django.utils import timezone

from certificates import exportjobs
from certificates.models import ExportJob, ExportStatus

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_two_runs_at_once_render_once(personas, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL proof; CI runs this file in its PostgreSQL pass")
    monkeypatch.setattr(exportjobs, "queue_export", lambda job_id: None)  # the test runs the task itself
    job = exportjobs.export_request(
        user=personas.staff_x,
        kind="register",
        params={"community": personas.community_x.code, "year": timezone.localdate().year, "fmt": "csv"},
        filename="register.csv",
        title="登记簿",
    )
    renders = []
    real = exportjobs.render_file

    def slow(*args, **kwargs):
        renders.append(threading.get_ident())
        time.sleep(0.5)  # long enough for the other run to reach the lock
        return real(*args, **kwargs)

    monkeypatch.setattr(exportjobs, "render_file", slow)
    barrier = threading.Barrier(2)
    results = []

    def run():
        barrier.wait()
        try:
            results.append(exportjobs.render_job(job.pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    job.refresh_from_db()
    assert results == [ExportStatus.DONE, ExportStatus.DONE] and len(renders) == 1
    assert job.status == ExportStatus.DONE and ExportJob.objects.count() == 1
