"""Telling applicants about each step of their request, by email and by SMS, with every delivery recorded.

One interface, two channels:
- email, at every change of status, to an account that has an address (rendered from the Chinese templates in
  templates/certificates/notifications/);
- SMS, at the changes that need the applicant (supplement asked, signed, issued, refused), with the short fixed
  templates of portal.sms: to the account's phone unless the resident chose email only, and for a counter request
  without an account to the mobile number the applicant gave.

The same delivery carries the SMS invitation of a person a county officer appointed to a community post
(portal.appointments sends `appointment_made` after its commit; `appointment_invited` below answers it, so portal never
imports this app).

Each message is a NotificationDelivery row, written after the transaction commits and then sent by `deliver`, the one
function that sends. A failed send is retried with growing waits (`manage.py send_notifications`, run every minute
from cron) and after MAX_ATTEMPTS is marked failed, shown to staff on the request's page (to the county's officers on
the community's people page for an invitation) and sent again when they ask. Nothing is lost silently.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from certificates.models import CertificateRequest, DeliveryStatus, NotificationDelivery, RequestEvent, Status
from portal import sms
from portal.models import NotifyChannel, phone_validator

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RETRY_WAITS = (dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=15), dt.timedelta(hours=1))
# The changes of status that need the applicant, and the SMS template that says so.
SMS_TEMPLATES: dict[str, str] = {
    Status.AWAITING_SUPPLEMENT: "supplement",
    Status.SIGNED: "signed",
    Status.ISSUED: "issued",
    Status.REJECTED: "refused",
}


class NotificationChannel(Protocol):
    key: str

    def send(self, delivery: NotificationDelivery) -> str: ...


class EmailChannel:
    key = NotifyChannel.EMAIL

    def send(self, delivery: NotificationDelivery) -> str:
        send_mail(delivery.subject, delivery.body, settings.DEFAULT_FROM_EMAIL, [delivery.address])
        return ""


class SmsChannel:
    key = NotifyChannel.SMS

    def send(self, delivery: NotificationDelivery) -> str:
        return sms.send_sms(phone=delivery.address, template=delivery.template, params=delivery.params)


CHANNELS: dict[str, NotificationChannel] = {channel.key: channel for channel in (EmailChannel(), SmsChannel())}


def _is_mobile(value: str | None) -> bool:
    try:
        phone_validator(value or "")
    except Exception:
        return False
    return True


def sms_recipient(request: CertificateRequest) -> str:
    """The mobile number an SMS about this request goes to, or "" for none."""
    account = request.applicant
    if account is None:
        return request.applicant_phone if _is_mobile(request.applicant_phone) else ""  # counter applicant
    if not account.is_active or not account.phone:
        return ""
    if account.notify_channel == NotifyChannel.EMAIL and account.email:
        return ""  # the resident chose email only
    return account.phone


def _sms_params(request: CertificateRequest, template: str) -> dict[str, str]:
    params = {"item": request.matter_name}
    if template == "issued":
        params["place"] = request.community.name
    if template == "signed":
        entry = getattr(request, "register_entry", None)
        params["number"] = entry.display_number if entry is not None else ""
    return params


def plan(request: CertificateRequest, event: RequestEvent) -> list[NotificationDelivery]:
    """The deliveries this event asks for (not saved)."""
    if event.action == "submit" and event.actor_id == request.applicant_id:
        return []  # they know: they just did it
    deliveries: list[NotificationDelivery] = []
    account = request.applicant
    if account is not None and account.is_active and account.email:
        with translation.override(settings.LANGUAGE_CODE):
            from certificates.workflow import PUBLIC_NOTE_ACTIONS  # late: the workflow imports this module's caller

            public_note = event.note if event.action in PUBLIC_NOTE_ACTIONS else ""
            context = {"request": request, "event": event, "public_note": public_note}
            subject = render_to_string("certificates/notifications/subject.txt", context).strip()
            body = render_to_string("certificates/notifications/body.txt", context)
        deliveries.append(
            NotificationDelivery(
                request=request,
                event=event,
                channel=NotifyChannel.EMAIL,
                address=account.email,
                subject=subject[:200],
                body=body,
            )
        )
    template = SMS_TEMPLATES.get(event.to_status)
    phone = sms_recipient(request) if template else ""
    if phone:
        deliveries.append(
            NotificationDelivery(
                request=request,
                event=event,
                channel=NotifyChannel.SMS,
                address=phone,
                template=template,
                params=_sms_params(request, template),
            )
        )
    return deliveries


def request_changed(request: CertificateRequest, event: RequestEvent) -> None:
    """Record and send what the applicant is told about this event (called after the transaction committed)."""
    try:
        deliveries = plan(request, event)
        for delivery in deliveries:
            delivery.save()
    except Exception:  # a broken template must never undo or block the workflow step that already committed
        log.exception("notification could not be planned for request %s", request.pk)
        return
    for delivery in deliveries:
        queue_delivery(delivery.pk)


def appointment_invited(sender, *, appointment, **kwargs) -> None:
    """The SMS invitation of an appointed person (receiver of portal.appointments.appointment_made, after commit)."""
    from portal.terms import role_label

    try:
        delivery = NotificationDelivery.objects.create(
            appointment=appointment,
            channel=NotifyChannel.SMS,
            address=appointment.user.phone,
            template="appointed",
            params={
                "place": appointment.community.name,
                "role": role_label(appointment.role, appointment.community),  # a village's 村委会主任
                "date": f"{appointment.starts_on:%Y-%m-%d}",
            },
        )
    except Exception:  # the appointment has committed; the officer sees that no invitation was recorded
        log.exception("invitation could not be recorded for appointment %s", appointment.pk)
        return
    queue_delivery(delivery.pk)


def queue_delivery(delivery_id: int) -> None:
    """Hand the delivery to the task queue (inline without a broker). With the broker unreachable the row stays
    pending and the minute's sweep (`retry_due`, beat or cron) sends it once the queue is back: never lost."""
    from certificates.tasks import send_delivery  # late: the tasks module imports this one

    try:
        send_delivery.delay(delivery_id)
    except Exception as error:  # noqa: BLE001 - kombu/redis raise many kinds; the row is the record either way
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise  # inline, a failure is a bug of ours, not an unreachable queue
        log.warning("delivery %s stays pending: the task queue is unreachable (%s)", delivery_id, error)


def deliver(delivery_id: int, *, due_only: bool = False) -> NotificationDelivery:
    """One attempt to send a pending delivery; records the outcome. Never raises for a failed send.

    Idempotent: the row is locked and its status read under the lock, so a task run twice (a retry, a redelivered
    message, the sweep and a task at once) sends once. With `due_only`, a delivery whose retry wait is not over is
    left alone (a queued retry and the sweep may both reach it)."""
    with transaction.atomic():
        # Locked for the attempt, so the retry command and a staff member's "send again" never send twice.
        delivery = NotificationDelivery.objects.select_for_update().get(pk=delivery_id)
        if delivery.status != DeliveryStatus.PENDING:
            return delivery
        now = timezone.now()
        if due_only and delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
            return delivery
        delivery.attempts += 1
        delivery.last_attempt_at = now
        try:
            delivery.provider_id = (CHANNELS[delivery.channel].send(delivery) or "")[:100]
        except Exception as error:  # any failure of the channel is recorded, never lost
            log.warning("delivery %s failed (attempt %s): %s", delivery.pk, delivery.attempts, error)
            delivery.last_error = str(error)[:500] or error.__class__.__name__
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = DeliveryStatus.FAILED
                delivery.next_attempt_at = None
            else:
                delivery.next_attempt_at = now + RETRY_WAITS[min(delivery.attempts, len(RETRY_WAITS)) - 1]
        else:
            delivery.status = DeliveryStatus.SENT
            delivery.sent_at = now
            delivery.next_attempt_at = None
        delivery.save()
    return delivery


def retry_due(*, now: dt.datetime | None = None) -> int:
    """Send again every pending delivery whose wait is over (and any never attempted); returns how many tried."""
    now = now or timezone.now()
    due = NotificationDelivery.objects.filter(
        Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True), status=DeliveryStatus.PENDING
    ).values_list("pk", flat=True)
    count = 0
    for pk in list(due):
        deliver(pk)
        count += 1
    return count


def send_again(*, delivery: NotificationDelivery) -> NotificationDelivery:
    """Staff ask to send a failed delivery again: it is pending once more, with a fresh count, and tried now."""
    with transaction.atomic():
        locked = NotificationDelivery.objects.select_for_update().get(pk=delivery.pk)
        if locked.status != DeliveryStatus.FAILED:
            return locked
        locked.status = DeliveryStatus.PENDING
        locked.attempts = 0
        locked.next_attempt_at = None
        locked.save(update_fields=["status", "attempts", "next_attempt_at"])
    return deliver(delivery.pk)
