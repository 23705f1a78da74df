"""The portal's tasks, inline (no broker) and with an unreachable broker: each is keyed so a second run has no second
effect, and a Redis outage loses no notification."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from catalog import noticeboards
from catalog import tasks as catalog_tasks
from certificates import tasks, workflow
from certificates.models import DeliveryStatus, NotificationDelivery, RetentionRecord
from portal import sms
from portal.celery import app
from portal.models import User
from tests.factories import make_request

PHONE = "13966660031"
CALLS: list[tuple[dt.date, dt.date]] = []


def refresh_daily_stats(day_from: dt.date, day_to: dt.date) -> None:
    """Stands in for the statistics aggregation (settings.STATISTICS_REFRESH)."""
    CALLS.append((day_from, day_to))


@pytest.fixture(autouse=True)
def empty_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def resident(personas):
    User.objects.filter(pk=personas.resident_a.pk).update(phone=PHONE)
    return User.objects.get(pk=personas.resident_a.pk)


@pytest.fixture
def submitted(personas, item, resident):
    request = make_request(community=personas.community_x, item=item, applicant=resident)
    return workflow.submit(request_id=request.pk, actor=resident)


def test_without_a_broker_tasks_run_inline(settings):
    assert not settings.CELERY_BROKER_URL and app.conf.task_always_eager


def test_a_delivery_task_run_twice_sends_once(personas, submitted, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.reject(request_id=submitted.pk, actor=personas.staff_x, reason="不属于本社区出具范围")
    delivery = NotificationDelivery.objects.get(request=submitted, channel="sms")
    assert delivery.status == DeliveryStatus.SENT and len(sms.outbox) == 1
    tasks.send_delivery.delay(delivery.pk)  # a redelivered message, a retry that crossed the first run
    tasks.send_delivery.apply(args=[delivery.pk])
    assert len(sms.outbox) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1


def test_with_redis_down_the_step_is_taken_and_the_sms_is_sent_when_it_is_back(
    personas, submitted, client, broker_down, settings, django_capture_on_commit_callbacks
):
    client.force_login(personas.staff_x)
    data = {"action": "reject", "reject-reason": "不属于本社区出具范围", "reject-revision": submitted.revision}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("desk:detail", args=[submitted.pk]), data)
    assert response.status_code == 302  # the portal keeps serving
    submitted.refresh_from_db()
    assert submitted.status == "rejected"
    delivery = NotificationDelivery.objects.get(request=submitted, channel="sms")
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 0 and sms.outbox == []

    settings.CELERY_BROKER_URL = ""  # Redis is back: the minute's sweep sends what waited
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert tasks.send_due_notifications.delay().get() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and [m.template for m in sms.outbox] == ["refused"]


def test_the_statistics_task_refreshes_yesterday_and_today_through_the_configured_function(settings, db):
    CALLS.clear()
    assert tasks.refresh_statistics.delay().get() == "not configured"
    settings.STATISTICS_REFRESH = "tests.tasks.test_tasks.refresh_daily_stats"
    tasks.refresh_statistics.delay().get()
    today = timezone.localdate()
    tasks.refresh_statistics.delay("2026-01-01", "2026-01-31").get()
    assert CALLS == [(today - dt.timedelta(days=1), today), (dt.date(2026, 1, 1), dt.date(2026, 1, 31))]


def test_the_retention_sweep_run_twice_removes_once(personas):
    from tests.api.conftest import issue_zm01

    issue_zm01(personas, personas.resident_a)
    later = (timezone.now() + dt.timedelta(days=4 * 365)).isoformat()
    first = tasks.apply_retention.delay(later).get()
    assert first["files"] >= 1 and first["requests"] == 1
    records = RetentionRecord.objects.count()
    assert tasks.apply_retention.delay(later).get() == {"files": 0, "requests": 0}
    assert RetentionRecord.objects.count() == records


def test_a_notice_board_task_run_twice_renders_once_into_the_shared_storage(personas, monkeypatch, client):
    calls = []
    real = noticeboards.render_pdf
    monkeypatch.setattr(noticeboards, "render_pdf", lambda html: calls.append(1) or real(html))
    code = personas.community_x.code
    name = catalog_tasks.render_notice_board.delay(code, "zh-hans").get()
    assert catalog_tasks.render_notice_board.delay(code, "zh-hans").get() == name and len(calls) == 1
    assert noticeboards.read(name).startswith(b"%PDF")
    # The web page serves the stored copy: no render of its own.
    response = client.get(f"/catalog/c/{code}/notice-board.pdf")
    assert response.status_code == 200 and response.content == noticeboards.read(name) and len(calls) == 1


def test_the_nightly_sweep_removes_the_boards_of_past_days_only(personas):
    today = noticeboards.render_notice_board(personas.community_x, language="zh-hans")
    old = default_storage.save(f"{noticeboards.FOLDER}/2026-01-01/{personas.community_x.code}-x.pdf", ContentFile(b"x"))
    assert catalog_tasks.sweep_notice_boards.delay().get() == 1
    assert default_storage.exists(today) and not default_storage.exists(old)


def test_every_scheduled_task_exists():
    app.loader.import_default_modules()
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks, entry["task"]
