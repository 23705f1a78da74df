"""Inspection and correction (督导检查 · 督促整改): the street or county officer's inspection of a community and the
findings it raises.

    finding: open ─respond (community)→ responded ─close (officer)→ closed
                  ↑                        │                       │
                  └──────── reopen (officer, new deadline) ────────┘

Who: street and county officers above a community record inspections and close or reopen findings; the staff and
director of the community report what they did. An inspection and every finding event are permanent records; a
finding changes status only here, under a row lock, with an event row.

The checklist is pre-filled from what the system can check itself (`system_checks`): the register's numbering
(verify_register), the seal ledger against the certificates (verify_seal_ledger), the resolver on the names of
registered certificates, seal keepers against directors, and commitments still to be post-checked. The officer adds
what was seen on site.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from certificates import register, workflow
from certificates.models import (
    CertificateRequest,
    ChecklistItem,
    CheckResult,
    Criticism,
    Finding,
    FindingEvent,
    FindingStatus,
    Inspection,
    RegisterEntry,
)
from certificates.services import RequestInvalid
from certificates.workflow import WorkflowError
from portal.access import has_role
from portal.models import Region, User
from portal.regions import Level
from portal.roles import Role
from portal.terms import community_terms

INSPECTOR_ROLES = (Role.STREET_OFFICER, Role.COUNTY_OFFICER)
RESPONDER_ROLES = (Role.STAFF, Role.DIRECTOR)


@dataclass(frozen=True)
class SystemCheck:
    ok: bool | None  # None: the system cannot tell, only a visit can
    detail: str


def may_inspect(user: User, community: Region) -> bool:
    """A street officer of the community's street or a county officer of its county."""
    return any(m.role in INSPECTOR_ROLES and community.code.startswith(m.region.prefix) for m in _memberships(user))


def may_respond(user: User, finding: Finding) -> bool:
    return any(has_role(user, role, finding.community) for role in RESPONDER_ROLES)


def _memberships(user: User):
    from portal.access import active_memberships

    return active_memberships(user)


# --- what the system checks before the visit --------------------------------------------------------------------


def system_checks(community: Region) -> dict[str, SystemCheck]:
    from catalog import resolver
    from catalog.selectors import effective_issuable_items, effective_non_issuable_items
    from certificates.management.commands import verify_seal_ledger
    from seals.models import Seal, SealStatus

    checks: dict[str, SystemCheck] = {}

    issuable = effective_issuable_items(community).count()
    non_issuable = effective_non_issuable_items(community).count()
    checks[ChecklistItem.LISTS_PUBLISHED] = SystemCheck(
        issuable > 0 and non_issuable > 0 or None,
        _("网上公开可出具事项 %(a)s 项、不予出具事项 %(b)s 项；是否在服务场所张贴需现场查看。")
        % {"a": issuable, "b": non_issuable},
    )

    numbering = register.find_problems(community)
    unregistered = CertificateRequest.objects.filter(
        community=community, status__in=workflow.POST_CHECK_STATES, register_entry__isnull=True
    ).count()
    register_ok = not numbering and not unregistered
    checks[ChecklistItem.REGISTER_VERIFIED] = SystemCheck(
        register_ok,
        _("登记簿编号连续、无重复，已签字的申请均已登记。")
        if register_ok
        else _("编号异常 %(n)s 处；已签字未登记 %(u)s 件。") % {"n": len(numbering), "u": unregistered},
    )

    ledger = verify_seal_ledger.find_problems(community)
    checks[ChecklistItem.SEAL_LEDGER] = SystemCheck(
        not ledger,
        _("用印登记簿与出具的证明逐一相符。")
        if not ledger
        else _("发现 %(n)s 处问题，例如：%(first)s") % {"n": len(ledger), "first": ledger[0]},
    )

    keepers = set(
        Seal.objects.filter(community=community, status=SealStatus.IN_USE).values_list("keeper_id", flat=True)
    )
    from portal.models import Membership

    keeper_directors = Membership.objects.filter(
        region=community, role=Role.DIRECTOR, active=True, user_id__in=keepers
    ).count()
    head = community_terms(community)["head"]
    checks[ChecklistItem.KEEPER_NOT_APPROVER] = SystemCheck(
        keeper_directors == 0,
        _("在用印章的保管人均不是%(head)s（用印由主任审批）。") % {"head": head}
        if keeper_directors == 0
        else _("%(n)s 名印章保管人同时是%(head)s，审批与保管未分离。") % {"n": keeper_directors, "head": head},
    )

    names = set(RegisterEntry.objects.filter(community=community).values_list("matter_name", flat=True))
    abolished = sorted(
        name
        for name in names
        for found in [resolver.resolve(name, region=community)]
        if found.kind == resolver.Kind.MATCH and found.non_issuable and not found.issuable
    )
    checks[ChecklistItem.NO_ABOLISHED] = SystemCheck(
        not abolished,
        _("登记簿中没有已取消的证明。")
        if not abolished
        else _("登记簿中有已取消的证明：%(names)s") % {"names": "、".join(abolished)},
    )

    due = CertificateRequest.objects.filter(
        community=community,
        status__in=workflow.POST_CHECK_STATES,
        post_check_required=True,
        post_checks__isnull=True,
    ).count()
    checks[ChecklistItem.POST_CHECKED] = SystemCheck(
        due == 0,
        _("告知承诺事项均已事后核查。") if due == 0 else _("%(n)s 件告知承诺事项尚未事后核查。") % {"n": due},
    )
    return checks


# --- writes ---------------------------------------------------------------------------------------------------------


@dataclass
class ItemResult:
    result: str
    note: str = ""
    deadline: dt.date | None = None


def inspection_record(
    *,
    community: Region,
    actor: User,
    inspected_on: dt.date,
    results: dict[str, ItemResult],
    summary: str = "",
) -> Inspection:
    """Record an inspection; every item found not met becomes a finding with its deadline."""
    if not may_inspect(actor, community):
        raise WorkflowError(_("只有该社区所在街道或区县的民政干部可以记录督导检查。"), forbidden=True)
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    if inspected_on > today:
        errors.setdefault("inspected_on", []).append(_("检查日期不能晚于今天。"))
    for key in ChecklistItem.values:
        item = results.get(key)
        if item is None or item.result not in CheckResult.values:
            errors.setdefault(key, []).append(_("请选择检查结果。"))
            continue
        if item.result == CheckResult.NOT_MET:
            if not item.note.strip():
                errors.setdefault(f"{key}_note", []).append(_("不符合的项目请写明发现的问题。"))
            if item.deadline is None:
                errors.setdefault(f"{key}_deadline", []).append(_("不符合的项目请规定整改期限。"))
            elif item.deadline <= inspected_on:
                errors.setdefault(f"{key}_deadline", []).append(_("整改期限应晚于检查日期。"))
    if errors:
        raise RequestInvalid(errors)
    checks = system_checks(community)
    with transaction.atomic():
        inspection = Inspection.objects.create(
            community=community,
            inspector=actor,
            inspected_on=inspected_on,
            summary=summary.strip(),
            checklist=[
                {
                    "key": key,
                    "system_ok": checks[key].ok,
                    "system_detail": checks[key].detail,
                    "result": results[key].result,
                    "note": results[key].note.strip(),
                }
                for key in ChecklistItem.values
            ],
        )
        for key in ChecklistItem.values:
            item = results[key]
            if item.result != CheckResult.NOT_MET:
                continue
            finding = Finding.objects.create(
                inspection=inspection,
                community=community,
                item=key,
                description=item.note.strip(),
                deadline=item.deadline,
            )
            FindingEvent.objects.create(finding=finding, action="raise", actor=actor, deadline=item.deadline)
    return inspection


# The one table of finding moves: action → (from states, to state, who).
FINDING_MOVES: dict[str, tuple[frozenset[str], str, str]] = {
    "respond": (frozenset({FindingStatus.OPEN}), FindingStatus.RESPONDED, "community"),
    "close": (frozenset({FindingStatus.RESPONDED}), FindingStatus.CLOSED, "inspector"),
    "reopen": (frozenset({FindingStatus.RESPONDED, FindingStatus.CLOSED}), FindingStatus.OPEN, "inspector"),
}


def finding_refusal(user: User, finding: Finding, action: str) -> str | None:
    """Why user may not take action on finding now (None: they may). Buttons and the server both ask this."""
    sources, _target, who = FINDING_MOVES[action]
    if who == "community" and not may_respond(user, finding):
        return _("只有该社区的工作人员或主任可以报告整改情况。")
    if who == "inspector" and not may_inspect(user, finding.community):
        return _("只有该社区所在街道或区县的民政干部可以销号或重新要求整改。")
    if finding.status not in sources:
        return _("该问题当前状态为“%(s)s”，不能执行此操作。") % {"s": finding.get_status_display()}
    return None


def finding_move(*, finding_id: int, actor: User, action: str, note: str, deadline: dt.date | None = None) -> Finding:
    if action not in FINDING_MOVES:
        raise WorkflowError(_("未知的操作，未执行任何更改。"))
    if not note.strip():
        raise WorkflowError(_("请写明说明。"))
    with transaction.atomic():
        finding = Finding.objects.select_for_update().select_related("community").get(pk=finding_id)
        refusal = finding_refusal(actor, finding, action)
        if refusal:
            # a move the state allows but the person may not take is forbidden; a move out of turn is only refused
            raise WorkflowError(refusal, forbidden=finding.status in FINDING_MOVES[action][0])
        if action == "reopen":
            if deadline is None or deadline <= timezone.localdate():
                raise WorkflowError(_("重新要求整改时请规定晚于今天的整改期限。"))
            finding.deadline = deadline
        finding.status = FINDING_MOVES[action][1]
        finding.save(update_fields=["status", "deadline"])
        FindingEvent.objects.create(
            finding=finding,
            action=action,
            actor=actor,
            note=note.strip(),
            deadline=deadline if action == "reopen" else None,
        )
    return finding


def overdue_findings(region: Region, today: dt.date):
    """Open findings past their deadline in the communities under region (the county page lists them)."""
    return (
        Finding.objects.filter(
            Q(community__code__startswith=region.prefix), status=FindingStatus.OPEN, deadline__lt=today
        )
        .select_related("community")
        .order_by("deadline", "id")
    )


# --- criticism (通报批评) -------------------------------------------------------------------------------------------


def may_criticise(user: User, community: Region) -> bool:
    """A criticism is the county's act: a county officer of the community's county."""
    return any(m.role == Role.COUNTY_OFFICER and community.code.startswith(m.region.prefix) for m in _memberships(user))


def criticism_number(county: Region, year: int, number: int) -> str:
    return _("%(county)s民政督通〔%(year)s〕%(number)s号") % {"county": county.name, "year": year, "number": number}


def criticism_issue(
    *, community: Region, actor: User, facts: str, requirement: str, finding: Finding | None = None
) -> Criticism:
    """Number the criticism in the county's yearly series, render it once to PDF and store it with its hash.

    The PDF is rendered while the counter row is locked (the number is printed on it): criticisms are rare, so
    holding the county's counter for the render is cheaper than a number given back on a failed render."""
    import hashlib

    from django.core.files.base import ContentFile
    from django.template.loader import render_to_string

    from certificates.models import NumberCounter
    from portal.pdf import render_pdf

    if not may_criticise(actor, community):
        raise WorkflowError(_("只有该社区所在区县的民政干部可以通报批评。"), forbidden=True)
    errors: dict[str, list[str]] = {}
    if not facts.strip():
        errors["facts"] = [_("请写明被通报的问题事实。")]
    if not requirement.strip():
        errors["requirement"] = [_("请写明整改要求。")]
    if finding is not None and finding.community_id != community.pk:
        errors["finding"] = [_("所选问题不属于该社区。")]
    if errors:
        raise RequestInvalid(errors)
    county = community.ancestor_at(Level.COUNTY)
    now = timezone.now()
    year = timezone.localdate(now).year
    # The document is a Chinese official paper whatever language the officer reads the portal in.
    with transaction.atomic(), translation.override("zh-hans"):
        number = register.next_number(county, year, NumberCounter.CRITICISM)
        display = criticism_number(county, year, number)
        html = render_to_string(
            "pdf/criticism.html",
            {
                "doc": {
                    "number": display,
                    "county": county,
                    "community": community,
                    "facts": facts.strip(),
                    "requirement": requirement.strip(),
                    "finding": finding,
                    "date": timezone.localdate(now),
                    "demo": settings.DEMO_MODE,
                }
            },
        )
        pdf = render_pdf(html)
        criticism = Criticism(
            county=county,
            community=community,
            finding=finding,
            year=year,
            number=number,
            display_number=display,
            facts=facts.strip(),
            requirement=requirement.strip(),
            issued_by=actor,
            issued_at=now,
            sha256=hashlib.sha256(pdf).hexdigest(),
            size=len(pdf),
        )
        criticism.pdf.save(f"criticism-{county.code}-{year}-{number}.pdf", ContentFile(pdf), save=False)
        criticism.save()
    return criticism
