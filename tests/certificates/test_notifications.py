"""Applicants are told by SMS at every change that needs them (supplement asked, signed, issued, refused), by email
at every change when an address is known; every delivery is recorded, a failed one retried, then shown to staff."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from certificates import notifications, workflow
from certificates.models import Channel, DeliveryStatus, NotificationDelivery
from portal import sms
from portal.models import User
from tests.factories import make_request

PHONE = "13966660001"


class BrokenBackend:
    """An SMS provider that cannot be reached."""

    def send(self, message):
        raise sms.SmsError("aliyun: isv.BUSINESS_LIMIT_CONTROL 触发流控")


@pytest.fixture(autouse=True)
def empty_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def resident(personas):
    User.objects.filter(pk=personas.resident_a.pk).update(phone=PHONE)
    return User.objects.get(pk=personas.resident_a.pk)


def submitted(personas, item, applicant, **extra):
    request = make_request(community=personas.community_x, item=item, applicant=applicant, **extra)
    if applicant is None:
        return workflow.submit(request_id=request.pk, actor=personas.staff_x)
    return workflow.submit(request_id=request.pk, actor=applicant)


def test_sms_at_the_changes_that_need_the_resident_and_not_at_the_others(
    personas, item, resident, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = submitted(personas, item, resident)
        workflow.request_supplement(request_id=request.pk, actor=personas.staff_x, missing="户口簿首页")
        workflow.supplement(request_id=request.pk, actor=resident, note="已补")
        request = workflow.verify(request_id=request.pk, actor=personas.staff_x, method="document_check", note="核")
        request = workflow.send_for_signature(request_id=request.pk, actor=personas.staff_x)
        request = workflow.sign(request_id=request.pk, actor=personas.director)
    assert [(m.phone, m.template) for m in sms.outbox] == [(PHONE, "supplement"), (PHONE, "signed")]
    signed = sms.outbox[-1]
    assert signed.params["item"] == request.matter_name[: sms.VARIABLE_MAX]
    assert signed.params["number"] == request.register_entry.display_number
    deliveries = NotificationDelivery.objects.filter(request=request, channel="sms")
    assert {d.status for d in deliveries} == {DeliveryStatus.SENT} and deliveries.count() == 2


def test_a_refusal_is_sent_by_sms(personas, item, resident, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = submitted(personas, item, resident)
        workflow.reject(request_id=request.pk, actor=personas.staff_x, reason="不属于本社区出具范围")
    assert [m.template for m in sms.outbox] == ["refused"]


def test_a_counter_applicant_gets_the_sms_on_the_phone_they_gave(personas, item, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = submitted(
            personas, item, None, channel=Channel.COUNTER, applicant_phone="13955550000", created_by=personas.staff_x
        )
        workflow.reject(request_id=request.pk, actor=personas.staff_x, reason="不属于本社区出具范围")
    assert [(m.phone, m.template) for m in sms.outbox] == [("13955550000", "refused")]


def test_a_resident_who_chose_email_gets_no_sms(personas, item, resident, django_capture_on_commit_callbacks):
    User.objects.filter(pk=resident.pk).update(notify_channel="email", email="a@example.cn")
    resident.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        request = submitted(personas, item, resident)
        workflow.reject(request_id=request.pk, actor=personas.staff_x, reason="不属于本社区出具范围")
    assert sms.outbox == []
    assert len(mail.outbox) == 1 and "不予出具" in mail.outbox[0].subject
    assert NotificationDelivery.objects.get(request=request).status == DeliveryStatus.SENT


def test_a_failed_send_is_retried_then_shown_to_staff_who_can_send_it_again(
    personas, item, resident, settings, django_capture_on_commit_callbacks, client
):
    settings.SMS_BACKEND = "tests.certificates.test_notifications.BrokenBackend"
    with django_capture_on_commit_callbacks(execute=True):
        request = submitted(personas, item, resident)
        workflow.reject(request_id=request.pk, actor=personas.staff_x, reason="不属于本社区出具范围")
    delivery = NotificationDelivery.objects.get(request=request, channel="sms")
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert "流控" in delivery.last_error and delivery.next_attempt_at > timezone.now()
    assert notifications.retry_due() == 0  # still waiting
    later = timezone.now()
    for _ in range(notifications.MAX_ATTEMPTS - 1):
        later += dt.timedelta(hours=2)
        notifications.retry_due(now=later)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == notifications.MAX_ATTEMPTS

    client.force_login(personas.staff_x)
    queue = client.get(reverse("desk:queue")).content.decode()
    assert 'id="failed-deliveries"' in queue and request.applicant_name in queue
    detail = client.get(reverse("desk:detail", args=[request.pk])).content.decode()
    assert "流控" in detail and reverse("desk:send_again", args=[request.pk, delivery.pk]) in detail

    settings.SMS_BACKEND = "portal.sms.LocmemBackend"
    client.force_login(personas.county_officer)  # may read, may not act
    assert client.post(reverse("desk:send_again", args=[request.pk, delivery.pk])).status_code == 403
    client.force_login(personas.staff_x)
    response = client.post(reverse("desk:send_again", args=[request.pk, delivery.pk]))
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and [m.template for m in sms.outbox] == ["refused"]
    assert 'id="failed-deliveries"' not in client.get(reverse("desk:queue")).content.decode()


def test_staff_are_told_whether_the_applicant_was_told(personas, item, resident, client):
    request = submitted(personas, item, resident)
    client.force_login(personas.staff_x)
    data = {"action": "request_supplement", "request_supplement-missing": "户口簿首页", "revision": request.revision}
    data["request_supplement-revision"] = request.revision
    response = client.post(reverse("desk:detail", args=[request.pk]), data, follow=True)
    assert "系统会通知申请人" in response.content.decode()
    counter = submitted(personas, item, None, channel=Channel.COUNTER, applicant_phone="", created_by=personas.staff_x)
    data = {"action": "request_supplement", "request_supplement-missing": "户口簿首页"}
    data["request_supplement-revision"] = counter.revision
    response = client.post(reverse("desk:detail", args=[counter.pk]), data, follow=True)
    assert "请电话或当面告知" in response.content.decode()
