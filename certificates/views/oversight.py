"""The oversight area (督导统计): one page per place for the street, county, city and provincial officers above it.

Who: an officer of a place reads that place and every place below it (portal.access.oversees); an officer asking
for a place outside their own gets 404 (no existence leak); anyone holding no oversight role gets 403 with the
reason. The figures come from certificates/oversight.py (a county, city or province through the snapshots of
certificates/snapshots.py); each has a chart, a table and a CSV/XLSX download.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from certificates import anomalies, charts, complaints, exportjobs, inspections, snapshots
from certificates.forms.inspection import CriticismForm, FindingMoveForm, InspectionForm
from certificates.models import ChecklistItem, CheckResult, Criticism, Finding, FindingStatus, Inspection
from certificates.permissions import works_in
from certificates.services import RequestInvalid
from certificates.workflow import WorkflowError
from portal.access import oversees, oversight_places_by_level, oversight_regions
from portal.errors import Forbidden, NotFound
from portal.models import Region
from portal.regions import Level

# Figures whose rows are the places one level below: their first cell links to that place's own area.
PER_PLACE = frozenset({"areas", "supervision"})


def _places(user) -> list[Region]:
    places = oversight_places_by_level(user)
    if not places:
        raise Forbidden(_("督导统计仅供街道、区县、设区市和省级民政干部使用。"))
    return places


def _region(user, code: str) -> tuple[Region, list[Region]]:
    places = _places(user)
    region = Region.objects.filter(code=code).first() if code.isdigit() else None
    if region is None or not oversees(user, region):
        raise NotFound(_("没有找到该区划，或该区划不在您的督导范围内。"))
    return region, places


@login_required
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """The officer's own place (the highest one, when they hold several)."""
    return redirect("desk:oversight_area", region_code=_places(request.user)[0].code)


# What 立即更新 tells the officer when it computed nothing (snapshots.update_now).
UPDATE_MESSAGES = {
    snapshots.Update.RECENT: gettext_lazy("数据计算于不到一分钟前，已是最新，无需重新计算。"),
    snapshots.Update.BUSY: gettext_lazy("该区划的数据正在更新，请稍后刷新页面查看。"),
    snapshots.Update.UNREACHABLE: gettext_lazy("缓存服务暂时不可用：本页数据在每次打开时实时计算，已是最新。"),
}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def area(request: HttpRequest, region_code: str) -> HttpResponse:
    """GET: the place's figures. POST (立即更新): recompute them, then back to the page (post/redirect/get)."""
    user = request.user
    region, places = _region(user, region_code)  # the same scope check for reading and for updating
    today = timezone.localdate()
    if request.method == "POST":
        outcome = snapshots.update_now(region, today=today)
        if outcome == snapshots.Update.UPDATED:
            messages.success(request, _("数据已重新计算。"))
        elif outcome in UPDATE_MESSAGES:
            messages.info(request, UPDATE_MESSAGES[outcome])
        return redirect("desk:oversight_area", region_code=region.code)
    snapshot = snapshots.figures_for(region, today=today)
    place_area, figures = snapshot.area, snapshot.figures
    # The way up, as far as the officer may go: their own place is the top of the breadcrumb.
    trail = [r for r in reversed(region.ancestors()) if oversees(user, r)]
    links = [reverse("desk:oversight_area", args=[c.code]) for c in place_area.children]
    sections = []
    for figure in figures.values():
        rows = [
            (links[i] if figure.key in PER_PLACE and i < len(links) else None, row) for i, row in enumerate(figure.rows)
        ]
        svg = (
            charts.render_svg(figure.chart, title=figure.title, chart_id=f"chart-{figure.key}")
            if figure.chart
            else None
        )
        # a table of many columns takes two thirds of the width beside its chart, a narrow one half
        wide = len(figure.header) > 4
        sections.append(
            {
                "figure": figure,
                "rows": rows,
                "svg": svg if figure.rows else None,
                "wide": wide,
                "total": bool(figure.rows) and figure.rows[-1][0] == _("合计"),
            }
        )
    return render(
        request,
        "certificates/oversight/area.html",
        {
            "region": region,
            "places": places,
            "trail": trail,
            "sections": sections,
            "overdue": figures["areas"].rows[-1][3],
            "received": figures["areas"].rows[-1][1],
            "today": today,
            "computed_at": snapshot.computed_at,
            "snapshot_level": region.level in snapshots.SNAPSHOT_LEVELS,
            "snapshot_scheduled": snapshots.scheduled(),
            "snapshot_minutes": snapshots.kept_minutes(),
            "child_level": place_area.child_level,
            "overdue_findings": list(inspections.overdue_findings(region, today)[:20]),
            "complaints": complaints.counts(region),
            "open_alerts": anomalies.open_count(region),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def export(request: HttpRequest, region_code: str, figure: str, fmt: str) -> HttpResponse:
    region, _places_ = _region(request.user, region_code)
    snapshot = snapshots.figures_for(region)  # the figures the officer's page shows
    chosen = snapshot.figures.get(figure)
    if chosen is None or fmt not in exportjobs.FORMATS:
        raise Http404
    filename = f"oversight-{region.code}-{figure}.{fmt}"
    if exportjobs.is_large(len(chosen.rows)):  # many places below: the file is written by a worker
        title = f"{region.name} · {chosen.title}（{fmt}）"
        if request.method != "POST":  # a link followed (a crawler, a prefetch) makes no job: a button does
            return render(request, "certificates/exports/ask.html", {"title": title, "rows": len(chosen.rows)})
        params = {"region": region.code, "figure": figure, "fmt": fmt}
        computed_at = exportjobs.oversight_snapshot_time(region, snapshot.computed_at)
        if computed_at:  # the snapshot on the page: a newer one is another file
            params["computed_at"] = computed_at
        job = exportjobs.export_request(
            user=request.user, kind="oversight", params=params, filename=filename, title=title
        )
        return redirect("desk:export_job", pk=job.pk)
    body = exportjobs.render_file(chosen.header, chosen.rows, fmt=fmt, title=chosen.title)
    response = HttpResponse(body, content_type=exportjobs.FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- inspection and correction (督导检查 · 督促整改) --------------------------------------------------------------


def _community_for_inspection(user, code: str) -> Region:
    """A community the user oversees, or works in (its staff and director answer findings); 404 otherwise."""
    region = Region.objects.filter(code=code, level=Level.COMMUNITY).first() if code.isdigit() else None
    if region is None or not (oversees(user, region) or works_in(user, region)):
        raise NotFound(_("没有找到该社区，或该社区不在您的督导范围内。"))
    return region


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def inspection_new(request: HttpRequest, community_code: str) -> HttpResponse:
    user = request.user
    community = _community_for_inspection(user, community_code)
    if not inspections.may_inspect(user, community):
        raise Forbidden(_("只有该社区所在街道或区县的民政干部可以记录督导检查。"))
    checks = inspections.system_checks(community)
    form = InspectionForm(request.POST or None, checks=checks)
    if request.method == "POST" and form.is_valid():
        try:
            inspection = inspections.inspection_record(
                community=community,
                actor=user,
                inspected_on=form.cleaned_data["inspected_on"],
                results=form.results(),
                summary=form.cleaned_data["summary"],
            )
        except RequestInvalid as invalid:
            form.add_service_errors(invalid.errors)
        except WorkflowError as error:
            raise Forbidden(error.message) from None
        else:
            found = inspection.findings.count()
            messages.success(
                request,
                _("已记录督导检查，发现问题 %(n)s 个，已通知社区按期整改。") % {"n": found}
                if found
                else _("已记录督导检查，未发现问题。"),
            )
            return redirect("desk:inspections", region_code=community.code)
    return render(request, "certificates/oversight/inspection_form.html", {"community": community, "form": form})


@login_required
@require_safe
def inspection_list(request: HttpRequest, region_code: str) -> HttpResponse:
    """Inspections and findings of a place: for the officers above it, and for a community's own workers."""
    user = request.user
    region = Region.objects.filter(code=region_code).first() if region_code.isdigit() else None
    if region is None or not (oversees(user, region) or (region.is_community and works_in(user, region))):
        if not oversight_regions(user) and not (region and region.is_community):
            raise Forbidden(_("督导统计仅供街道、区县、设区市和省级民政干部使用。"))
        raise NotFound(_("没有找到该区划，或该区划不在您的督导范围内。"))
    today = timezone.localdate()
    scope = Q(community__code__startswith=region.prefix)
    records = Paginator(
        Inspection.objects.filter(scope).select_related("community", "inspector").prefetch_related("findings"), 30
    ).get_page(request.GET.get("page"))
    findings = list(
        Finding.objects.filter(scope)
        .exclude(status=FindingStatus.CLOSED)
        .select_related("community")
        .order_by("deadline", "id")[:200]
    )
    return render(
        request,
        "certificates/oversight/inspections.html",
        {
            "region": region,
            "records": records,
            "findings": findings,
            "today": today,
            "may_inspect": region.is_community and inspections.may_inspect(user, region),
            "may_criticise": region.is_community and inspections.may_criticise(user, region),
            "criticisms": list(Criticism.objects.filter(scope).select_related("community")[:50]),
            "oversees": oversees(user, region),
            "labels": dict(ChecklistItem.choices),
            "results": dict(CheckResult.choices),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    finding = Finding.objects.select_related("community", "inspection__inspector").filter(pk=pk).first()
    if finding is None or not (oversees(user, finding.community) or works_in(user, finding.community)):
        raise NotFound(_("没有找到该问题，或它不在您的督导范围内。"))
    action = request.POST.get("action", "")
    form = FindingMoveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if action not in inspections.FINDING_MOVES:
            messages.error(request, _("未知的操作，未执行任何更改。"))
        elif form.is_valid():
            try:
                inspections.finding_move(finding_id=finding.pk, actor=user, action=action, **form.cleaned_data)
            except WorkflowError as error:
                if error.forbidden:
                    raise Forbidden(error.message) from None
                form.add_error(None, error.message)
            else:
                messages.success(request, _("已记录。"))
                return redirect("desk:finding", pk=finding.pk)
    actions = [a for a in inspections.FINDING_MOVES if inspections.finding_refusal(user, finding, a) is None]
    return render(
        request,
        "certificates/oversight/finding.html",
        {
            "finding": finding,
            "events": finding.events.select_related("actor"),
            "actions": actions,
            "form": form,
            "posted_action": action,
            "overdue": finding.is_overdue(timezone.localdate()),
            "action_labels": ACTION_LABELS,
            "may_criticise": inspections.may_criticise(user, finding.community),
            "criticisms": list(finding.criticisms.all()),
        },
    )


ACTION_LABELS = {
    "raise": gettext_lazy("检查发现，要求整改"),
    "respond": gettext_lazy("社区报告整改情况"),
    "close": gettext_lazy("销号"),
    "reopen": gettext_lazy("重新要求整改"),
}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def criticism_new(request: HttpRequest, community_code: str) -> HttpResponse:
    """The county officer issues a numbered criticism (通报批评) of a community, rendered once to PDF."""
    user = request.user
    community = _community_for_inspection(user, community_code)
    if not inspections.may_criticise(user, community):
        raise Forbidden(_("只有该社区所在区县的民政干部可以通报批评。"))
    findings = list(Finding.objects.filter(community=community).order_by("-created_at")[:50])
    initial = {"finding": request.GET.get("finding")} if str(request.GET.get("finding", "")).isdigit() else None
    form = CriticismForm(request.POST or None, findings=findings, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            criticism = inspections.criticism_issue(
                community=community,
                actor=user,
                facts=data["facts"],
                requirement=data["requirement"],
                finding=form.findings.get(data["finding"]) if data["finding"] else None,
            )
        except RequestInvalid as invalid:
            form.add_service_errors(invalid.errors)
        except WorkflowError as error:
            raise Forbidden(error.message) from None
        else:
            messages.success(request, _("已印发通报：%(n)s。") % {"n": criticism.display_number})
            return redirect("desk:inspections", region_code=community.code)
    return render(request, "certificates/oversight/criticism_form.html", {"community": community, "form": form})


@login_required
@require_safe
def criticism_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The criticism as issued: the stored bytes, checked against their hash (never rendered again)."""
    user = request.user
    criticism = Criticism.objects.select_related("community").filter(pk=pk).first()
    if criticism is None or not (oversees(user, criticism.community) or works_in(user, criticism.community)):
        raise NotFound(_("没有找到该通报，或它不在您的督导范围内。"))
    response = HttpResponse(criticism.read_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="criticism-{criticism.pk}.pdf"'
    return response
