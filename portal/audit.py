"""The personal-data audit trail: every view of a full ID or phone number, every export, every file download.

Views call `audit_record` at the moment they hand the data out; the county officer reads the rows of their county
(`audit_entries_for`). Rows are permanent (`portal.models.AuditEntry`).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import HttpRequest

from portal.access import officer_regions
from portal.models import AuditAction, AuditEntry, Region, User
from portal.ratelimit import client_address


def audit_record(request: HttpRequest, *, action: str, subject: str, region: Region | None) -> AuditEntry:
    address = client_address(request)
    return AuditEntry.objects.create(
        actor=request.user,
        action=action,
        subject=subject[:200],
        path=request.get_full_path()[:300],
        client_address=address if address != "unknown" else None,
        region=region,
    )


def audit_personal_data_shown(
    request: HttpRequest, *, subject: str, region: Region, id_number: bool, phone: bool
) -> None:
    """One row per kind of full number put on the page."""
    if id_number:
        audit_record(request, action=AuditAction.VIEW_ID_NUMBER, subject=subject, region=region)
    if phone:
        audit_record(request, action=AuditAction.VIEW_PHONE, subject=subject, region=region)


def audit_entries_for(user: User) -> QuerySet[AuditEntry]:
    """The rows of the places the officer supervises (a county officer their county, the province all of it)."""
    places = officer_regions(user)
    if not places:
        return AuditEntry.objects.none()
    condition = Q()
    for place in places:
        condition |= Q(region__code__startswith=place.prefix)
    return AuditEntry.objects.filter(condition).select_related("actor", "region")
