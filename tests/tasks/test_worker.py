"""A real Celery worker, on Redis, sends what the portal queued; killed mid-task, its task runs again and the
applicant still gets exactly one SMS.

Runs in CI's PostgreSQL pass (the worker is another process and must reach the test database)."""

from __future__ import annotations

import json
import os
import signal

import pytest

from certificates import workflow
from certificates.models import DeliveryStatus, NotificationDelivery
from portal.models import User
from tests.factories import make_request
from tests.tasks.conftest import wait_until

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = "13966660013"


@pytest.fixture
def resident(personas):
    User.objects.filter(pk=personas.resident_a.pk).update(phone=PHONE)
    return User.objects.get(pk=personas.resident_a.pk)


def refuse(personas, item, resident):
    """A refusal, which tells the resident by SMS (queued after the commit)."""
    request = make_request(community=personas.community_x, item=item, applicant=resident)
    workflow.submit(request_id=request.pk, actor=resident)
    workflow.reject(request_id=request.pk, actor=personas.staff_x, reason="不属于本社区出具范围")
    return NotificationDelivery.objects.get(request=request, channel="sms")


def sent(delivery: NotificationDelivery) -> NotificationDelivery | None:
    delivery.refresh_from_db()
    return delivery if delivery.status == DeliveryStatus.SENT else None


def test_a_worker_sends_the_sms_the_portal_queued(personas, item, resident, worker, redis_broker):
    delivery = refuse(personas, item, resident)
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 0  # queued, not sent in the request
    wait_until(lambda: sent(delivery), what=lambda: f"the delivery to be sent; worker log:\n{worker.log.read_text()}")
    assert [json.loads(line)["template"] for line in worker.sms_lines()] == ["refused"]
    assert delivery.attempts == 1 and delivery.provider_id.startswith("recorded-")


def test_a_worker_killed_mid_send_sends_again_and_the_sms_goes_out_once(personas, item, resident, worker):
    worker.hang_flag.touch()  # the first send waits, holding the delivery's row lock, until we kill its process
    delivery = refuse(personas, item, resident)
    killed = int(wait_until(lambda: worker.pid_file.exists() and worker.pid_file.read_text(), what="the send"))
    worker.hang_flag.unlink()
    os.kill(killed, signal.SIGKILL)  # the pool process running the task, as the OOM killer would
    wait_until(lambda: sent(delivery), what=lambda: f"the task to run again; worker log:\n{worker.log.read_text()}")
    lines = [json.loads(line) for line in worker.sms_lines()]
    assert [line["template"] for line in lines] == ["refused"]  # one SMS, from the second run
    assert lines[0]["pid"] != killed
    # The killed attempt left nothing behind: its transaction (and the row lock) went with its connection.
    assert delivery.attempts == 1


@pytest.fixture
def shared_media(settings, monkeypatch):
    """The worker stores files where this test reads them (asked for before `worker`, which copies the environment)."""
    monkeypatch.setenv("MEDIA_ROOT", str(settings.MEDIA_ROOT))
    return settings.MEDIA_ROOT


def test_a_worker_renders_a_large_export_the_officer_then_downloads(
    personas, item, shared_media, worker, settings, client
):
    from django.urls import reverse

    from certificates.models import ExportJob, ExportStatus

    request = make_request(community=personas.community_x, item=item, created_by=personas.staff_x)
    workflow.submit(request_id=request.pk, actor=personas.staff_x)
    workflow.verify(request_id=request.pk, actor=personas.staff_x, method="document_check", note="查验")
    workflow.send_for_signature(request_id=request.pk, actor=personas.staff_x)
    workflow.sign(request_id=request.pk, actor=personas.director)
    client.force_login(personas.staff_x)
    url = reverse("desk:register_export", args=[personas.community_x.code, "csv"])
    inline = client.get(url).content
    settings.EXPORT_INLINE_MAX_ROWS = 0
    response = client.post(url)  # 生成文件: only a POST makes the job
    job = ExportJob.objects.get()
    assert response["Location"] == reverse("desk:export_job", args=[job.pk])

    def done():
        job.refresh_from_db()
        return job.status == ExportStatus.DONE

    wait_until(done, what=lambda: f"the export to be rendered; worker log:\n{worker.log.read_text()}")
    assert client.get(reverse("desk:export_download", args=[job.pk])).content == inline
    assert client.post(url)["Location"] == response["Location"] and ExportJob.objects.count() == 1
