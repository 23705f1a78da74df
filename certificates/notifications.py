"""Telling residents about each step of their request. Email now; the channel is an interface so SMS can follow.

Messages are rendered from Chinese templates (templates/certificates/notifications/) in the portal's default
language, and sent after the transaction commits (the workflow schedules them with on_commit).
"""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from certificates.models import CertificateRequest, RequestEvent

log = logging.getLogger(__name__)


class NotificationChannel(Protocol):
    def can_reach(self, recipient) -> bool: ...

    def send(self, *, recipient, subject: str, body: str) -> bool: ...


class EmailChannel:
    def can_reach(self, recipient) -> bool:
        return bool(getattr(recipient, "email", ""))

    def send(self, *, recipient, subject: str, body: str) -> bool:
        if not getattr(recipient, "email", ""):
            return False
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email])
        return True


CHANNELS: list[NotificationChannel] = [EmailChannel()]


def request_changed(request: CertificateRequest, event: RequestEvent) -> None:
    """Tell the applicant (if they have an account) what happened to their request."""
    recipient = request.applicant
    if recipient is None or event.actor_id == recipient.pk and event.action == "submit":
        return
    channels = [channel for channel in CHANNELS if channel.can_reach(recipient)]
    if not channels:
        return  # nobody to tell: skip rendering (counter requests without an account, residents without email)
    with translation.override(settings.LANGUAGE_CODE):
        from certificates.workflow import PUBLIC_NOTE_ACTIONS  # late: the workflow imports this module's caller

        public_note = event.note if event.action in PUBLIC_NOTE_ACTIONS else ""
        context = {"request": request, "event": event, "public_note": public_note}
        subject = render_to_string("certificates/notifications/subject.txt", context).strip()
        body = render_to_string("certificates/notifications/body.txt", context)
    for channel in channels:
        try:
            channel.send(recipient=recipient, subject=subject, body=body)
        except Exception:  # a failed mail must never undo or block the workflow step that already committed
            log.exception("notification failed for request %s", request.pk)
