"""Data retention (数据留存): what is removed from finished requests after the period the province sets
(`settings.RETENTION_DAYS`), and what is never removed.

Per record type:
- attachment files (scans of materials and supplements) — the FILE is removed from storage after
  `attachment_files` days; the `Attachment` row is a permanent record (that the material was received, its name,
  size and SHA-256) and stays untouched. Minutes of a deliberation back a permanent deliberation record and are kept.
- request personal data not needed once the matter is finished — `applicant_phone` (needed only to reach the
  applicant while the request is open) and `field_values` (the facts typed for the certificate text, which the
  issued PDF keeps) are cleared after `request_personal_data` days. The applicant's name and ID number stay: the
  register and oversight refer to them.
- permanent, never removed: the register and its cancellations, events, the seal ledger, issued certificates and
  their PDFs, revocations, refusal notices, commitments, post-checks, deliberations, the audit trails, and the
  retention records themselves.

Each removal writes a permanent `RetentionRecord` (what, which rule, when). Nothing calls delete or update on a
permanent model: files go through the storage API, cleared fields are on `CertificateRequest` (not permanent).
A request is finished when it is issued, refused, withdrawn or cancelled; its age counts from its last event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Max, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from certificates.models import (
    Attachment,
    CertificateRequest,
    Deliberation,
    RetentionAction,
    RetentionRecord,
    Status,
)

FINISHED = (Status.ISSUED, Status.REJECTED, Status.WITHDRAWN, Status.CANCELLED)
PERSONAL_FIELDS = {"applicant_phone": "", "field_values": {}}


@dataclass
class RetentionReport:
    dry_run: bool
    files: list[int] = field(default_factory=list)  # attachment ids whose file is (or would be) removed
    file_bytes: int = 0
    requests: list[int] = field(default_factory=list)  # request ids whose personal fields are (or would be) cleared


def _finished_before(cutoff: dt.datetime) -> QuerySet[CertificateRequest]:
    return (
        CertificateRequest.objects.filter(status__in=FINISHED)
        .annotate(finished_at=Coalesce(Max("events__at"), "updated_at"))
        .filter(finished_at__lt=cutoff)
    )


def attachments_due(now: dt.datetime) -> QuerySet[Attachment]:
    cutoff = now - dt.timedelta(days=settings.RETENTION_DAYS["attachment_files"])
    minutes = Deliberation.objects.exclude(minutes__isnull=True).values("minutes_id")
    return (
        Attachment.objects.filter(request__in=_finished_before(cutoff).values("pk"))
        .exclude(file="")
        .exclude(pk__in=minutes)
        .exclude(retention_records__action=RetentionAction.ATTACHMENT_FILE_REMOVED)
        .order_by("pk")
    )


def requests_due(now: dt.datetime) -> QuerySet[CertificateRequest]:
    cutoff = now - dt.timedelta(days=settings.RETENTION_DAYS["request_personal_data"])
    return (
        CertificateRequest.objects.filter(pk__in=_finished_before(cutoff).values("pk"))
        .exclude(retention_records__action=RetentionAction.PERSONAL_DATA_CLEARED)
        .order_by("pk")
    )


def apply_retention(*, now: dt.datetime | None = None, dry_run: bool = False) -> RetentionReport:
    """Remove what the rules allow (or, with dry_run, only say what would go)."""
    now = now or timezone.now()
    report = RetentionReport(dry_run=dry_run)
    days = settings.RETENTION_DAYS
    for attachment in attachments_due(now):
        report.files.append(attachment.pk)
        report.file_bytes += attachment.size
        if not dry_run:
            _remove_file(attachment, rule_days=days["attachment_files"])
    for request in requests_due(now):
        report.requests.append(request.pk)
        if not dry_run:
            _clear_personal_data(request, rule_days=days["request_personal_data"])
    return report


@transaction.atomic
def _remove_file(attachment: Attachment, *, rule_days: int) -> None:
    # The record first, then the file, in one transaction: if the storage refuses, the record rolls back and the
    # next run tries again; there is never a removal without its record.
    RetentionRecord.objects.create(
        request_id=attachment.request_id,
        attachment=attachment,
        action=RetentionAction.ATTACHMENT_FILE_REMOVED,
        fields=["file"],
        rule_days=rule_days,
    )
    storage = attachment.file.storage
    if storage.exists(attachment.file.name):
        storage.delete(attachment.file.name)


@transaction.atomic
def _clear_personal_data(request: CertificateRequest, *, rule_days: int) -> None:
    cleared = [name for name, empty in PERSONAL_FIELDS.items() if getattr(request, name) != empty]
    RetentionRecord.objects.create(
        request=request, action=RetentionAction.PERSONAL_DATA_CLEARED, fields=cleared, rule_days=rule_days
    )
    # A queryset update: the request's other fields (and updated_at) stay as they were.
    CertificateRequest.objects.filter(pk=request.pk).update(**PERSONAL_FIELDS)
