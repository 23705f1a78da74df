"""The personal-data audit trail, read by county and provincial officers for the places they supervise."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from portal.access import is_officer, officer_regions
from portal.audit import audit_entries_for
from portal.errors import Forbidden
from portal.models import AuditAction


@login_required
@require_safe
def audit_log(request: HttpRequest) -> HttpResponse:
    if not is_officer(request.user):
        raise Forbidden(_("个人信息访问记录只有区县和省级民政部门可以查阅。"))
    entries = audit_entries_for(request.user)
    action = request.GET.get("action", "")
    if action in AuditAction.values:
        entries = entries.filter(action=action)
    else:
        action = ""
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/audit_log.html",
        {"page": page, "actions": AuditAction.choices, "action": action, "regions": officer_regions(request.user)},
    )
