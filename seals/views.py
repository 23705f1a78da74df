"""Seal pages: a community's seals (印章), each seal's history and handovers, its impression image, the seal ledger
(用印登记簿) with its export, and non-certificate seal use (asked, approved by the director, applied by the keeper).

Who sees what is in seals.permissions (404 for anyone who may not see a community's seals); every write goes
through seals.services, whose refusals (SealRuleError) come back as messages on the form that was sent. Buttons
are shown from the same predicates: seals.permissions and seals.services.separation_problem.
"""

from __future__ import annotations

from dataclasses import dataclass

from csp.constants import NONE, UNSAFE_INLINE
from csp.decorators import csp
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.access import active_memberships, officer_regions
from portal.audit import audit_record
from portal.errors import Forbidden
from portal.exports import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, to_csv, to_xlsx
from portal.models import AuditAction, Region, User
from portal.regions import Level
from portal.roles import COMMUNITY_WORK_ROLES
from portal.terms import in_words_of
from seals import services
from seals.forms import (
    DecideForm,
    HandoverForm,
    ImpressionForm,
    LedgerFilterForm,
    SealForm,
    StatusForm,
    UseRequestForm,
)
from seals.impressions import SVG_TYPE, ImpressionRejected, specimen_svg
from seals.models import Seal, SealKind, SealStatus, SealUse, SealUseRequest, UseRequestStatus
from seals.permissions import (
    can_decide_use,
    can_manage_seals,
    can_request_use,
    can_upload_impression,
    get_seal_community,
)

LEDGER_PAGE_SIZE = 100
# An impression is drawn, never run: no script, no fetch, inline styles only (SVG's own presentation attributes),
# never framed. This replaces the site-wide policy of settings.CONTENT_SECURITY_POLICY for this one response.
IMPRESSION_CSP = {"default-src": [NONE], "style-src": [UNSAFE_INLINE], "frame-ancestors": [NONE]}


def _seal(community: Region, pk: int) -> Seal:
    return get_object_or_404(Seal.objects.select_related("keeper", "community"), community=community, pk=pk)


def _rule_messages(error: ValidationError) -> list[str]:
    return [str(m) for m in error.messages] or [_("操作未执行。")]


def _add_rule_errors(form, error: ValidationError) -> None:
    """A service's refusal on the form: next to the field it names, otherwise at the top of the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            for message in ValidationError(errors).messages:
                form.add_error(field if field in form.fields else None, message)
        return
    for message in _rule_messages(error):
        form.add_error(None, message)


# --- Which communities --------------------------------------------------------------------------------------------


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The communities whose seals this user looks after or supervises, with how many seals each has in use."""
    user = request.user
    mine = sorted(
        {m.region.pk: m.region for m in active_memberships(user) if m.role in COMMUNITY_WORK_ROLES}.values(),
        key=lambda c: c.code,
    )
    places = officer_regions(user)
    if not mine and not places:
        raise Forbidden(_("印章管理仅供社区工作人员和民政干部使用。"))
    if len(mine) == 1 and not places:
        return redirect("seals:seal_list", community_code=mine[0].code)
    supervised = Region.objects.none()
    if places:
        condition = Q()
        for place in places:
            condition |= Q(code__startswith=place.prefix)
        supervised = (
            Region.objects.filter(condition, level=Level.COMMUNITY)
            .annotate(in_use=Count("seals", filter=Q(seals__status=SealStatus.IN_USE)))
            .order_by("code")
        )
    page = Paginator(supervised, 100).get_page(request.GET.get("page"))
    return render(request, "seals/index.html", {"mine": mine, "page": page, "supervising": bool(places)})


# --- The community's seals ----------------------------------------------------------------------------------------


@login_required
@require_GET
def seal_list(request: HttpRequest, community_code: str) -> HttpResponse:
    community = get_seal_community(request.user, community_code)
    seals = list(Seal.objects.filter(community=community).select_related("keeper").order_by("status", "name"))
    pending = SealUseRequest.objects.filter(
        community=community, status__in=[UseRequestStatus.PENDING, UseRequestStatus.APPROVED]
    ).count()
    return render(
        request,
        "seals/seal_list.html",
        {
            "community": community,
            "seals": seals,
            "pending_requests": pending,
            "can_manage": can_manage_seals(request.user, community),
            "active": "seals",
        },
    )


@login_required
@require_GET
@csp(IMPRESSION_CSP)
def impression(request: HttpRequest, community_code: str, pk: int) -> HttpResponse:
    """The impression image, only for those who may see the seal: never a public media URL."""
    community = get_seal_community(request.user, community_code)
    seal = _seal(community, pk)
    if seal.impression:
        try:
            with seal.impression.open("rb") as handle:
                data = handle.read()
        except OSError:
            raise Http404 from None
        content_type = SVG_TYPE if seal.impression.name.lower().endswith(".svg") else "image/png"
    else:
        data, content_type = specimen_svg(community.committee_name(), seal.kind).encode(), SVG_TYPE
    response = HttpResponse(data, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-cache"
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def seal_new(request: HttpRequest, community_code: str) -> HttpResponse:
    community = get_seal_community(request.user, community_code)
    if not can_manage_seals(request.user, community):
        raise Forbidden(in_words_of(community, _("只有社区主任或区县民政干部可以登记印章。")))
    form = SealForm(request.POST or None, community=community)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            # A new seal is a specimen until the county officer uploads its real impression (印模).
            seal = services.seal_register(
                community=community,
                name=data["name"].strip(),
                kind=data["kind"],
                keeper=data["keeper"],
                actor=request.user,
                is_specimen=True,
            )
        except ValidationError as error:
            for message in _rule_messages(error):
                form.add_error(None, message)
        else:
            messages.success(
                request, _("已登记印章“%(name)s”。请区县民政干部上传公安机关备案的印模图像。") % {"name": seal.name}
            )
            return redirect("seals:seal_detail", community_code=community.code, pk=seal.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "seals/seal_form.html",
        {
            "community": community,
            "form": form,
            "has_keepers": form.fields["keeper"].queryset.exists(),
            "active": "seals",
        },
        status=status,
    )


# --- One seal -----------------------------------------------------------------------------------------------------


@dataclass
class HistoryRow:
    at: object
    user: User | None
    kind: str
    reason: str
    changes: list[tuple[str, str, str]]


HISTORY_FIELDS = ("name", "kind", "status", "status_changed_on", "status_reason", "keeper", "is_specimen", "impression")


def _shown(field: str, value) -> str:
    if value in (None, ""):
        return "—"
    if field == "kind":
        return str(SealKind(value).label) if value in SealKind.values else str(value)
    if field == "status":
        return str(SealStatus(value).label) if value in SealStatus.values else str(value)
    if field == "is_specimen":
        return _("是") if value else _("否")
    if field == "keeper":
        return value.display_name if isinstance(value, User) else str(value)
    if field == "status_changed_on":
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
    return str(value)


def _history(seal: Seal) -> list[HistoryRow]:
    """Every version of the seal's record: who changed what, when and why (django-simple-history), newest first."""
    records = list(seal.history.select_related("history_user", "keeper").order_by("history_date", "history_id"))
    rows: list[HistoryRow] = []
    previous = None
    for record in records:
        changes = []
        if previous is not None:
            delta = record.diff_against(previous, included_fields=HISTORY_FIELDS, foreign_keys_are_objs=True)
            for change in delta.changes:
                label = str(Seal._meta.get_field(change.field).verbose_name)
                if change.field == "impression":  # file names say nothing to a reader: say what happened
                    old, new = (_("原印模图像") if change.old else "—"), _("新印模图像")
                else:
                    old, new = _shown(change.field, change.old), _shown(change.field, change.new)
                changes.append((label, old, new))
        kind = _("登记") if record.history_type == "+" else _("变更")
        rows.append(
            HistoryRow(record.history_date, record.history_user, kind, record.history_change_reason or "", changes)
        )
        previous = record
    rows.reverse()
    return rows


def _render_detail(
    request: HttpRequest,
    community: Region,
    seal: Seal,
    *,
    handover_form: HandoverForm | None = None,
    status_form: StatusForm | None = None,
    impression_form: ImpressionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    manage = can_manage_seals(user, community) and seal.usable
    upload = can_upload_impression(user, community) and seal.usable
    return render(
        request,
        "seals/seal_detail.html",
        {
            "community": community,
            "seal": seal,
            "history": _history(seal),
            "handovers": list(seal.handovers.select_related("from_keeper", "to_keeper", "ordered_by")),
            "use_count": seal.uses.count(),
            "can_manage": manage,
            "can_upload": upload,
            "handover_form": (handover_form or HandoverForm(seal=seal)) if manage else None,
            "status_form": (status_form or StatusForm(initial={"on": timezone.localdate()})) if manage else None,
            "impression_form": (impression_form or ImpressionForm()) if upload else None,
            "active": "seals",
        },
        status=status,
    )


@login_required
@require_GET
def seal_detail(request: HttpRequest, community_code: str, pk: int) -> HttpResponse:
    community = get_seal_community(request.user, community_code)
    return _render_detail(request, community, _seal(community, pk))


@login_required
@require_POST
def handover(request: HttpRequest, community_code: str, pk: int) -> HttpResponse:
    community = get_seal_community(request.user, community_code)
    seal = _seal(community, pk)
    if not can_manage_seals(request.user, community):
        raise Forbidden(in_words_of(community, _("只有社区主任或区县民政干部可以安排印章交接。")))
    form = HandoverForm(request.POST, seal=seal)
    if form.is_valid():
        try:
            seal = services.seal_handover(
                seal=seal, to_keeper=form.cleaned_data["to_keeper"], actor=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            for message in _rule_messages(error):
                form.add_error(None, message)
        else:
            messages.success(request, _("印章已交接给%(name)s。") % {"name": seal.keeper.display_name})
            return redirect("seals:seal_detail", community_code=community.code, pk=seal.pk)
    return _render_detail(request, community, seal, handover_form=form, status=400)


@login_required
@require_POST
def set_status(request: HttpRequest, community_code: str, pk: int) -> HttpResponse:
    community = get_seal_community(request.user, community_code)
    seal = _seal(community, pk)
    if not can_manage_seals(request.user, community):
        raise Forbidden(in_words_of(community, _("只有社区主任或区县民政干部可以停用印章或登记遗失。")))
    form = StatusForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            seal = services.seal_set_status(
                seal=seal, status=data["status"], reason=data["reason"], actor=request.user, on=data["on"]
            )
        except ValidationError as error:
            for message in _rule_messages(error):
                form.add_error(None, message)
        else:
            messages.success(
                request, _("印章“%(name)s”已登记为“%(status)s”。") % {"name": seal, "status": seal.get_status_display()}
            )
            return redirect("seals:seal_detail", community_code=community.code, pk=seal.pk)
    return _render_detail(request, community, seal, status_form=form, status=400)


@login_required
@require_POST
def impression_upload(request: HttpRequest, community_code: str, pk: int) -> HttpResponse:
    community = get_seal_community(request.user, community_code)
    seal = _seal(community, pk)
    if not can_upload_impression(request.user, community):
        raise Forbidden(_("印模图像只能由本区县民政干部上传。"))
    form = ImpressionForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            seal = services.seal_set_impression(seal=seal, upload=form.cleaned_data["file"], actor=request.user)
        except ImpressionRejected as rejected:
            form.add_error("file", rejected.message)
        except ValidationError as error:
            for message in _rule_messages(error):
                form.add_error(None, message)
        else:
            messages.success(request, _("印模图像已上传，该印章不再是样章。"))
            return redirect("seals:seal_detail", community_code=community.code, pk=seal.pk)
    return _render_detail(request, community, seal, impression_form=form, status=400)


# --- The seal ledger ------------------------------------------------------------------------------------------------


def _ledger_rows(request: HttpRequest, community: Region) -> tuple[LedgerFilterForm, int, QuerySet[SealUse]]:
    """The chosen year (this year unless another is asked for) and seal, and the ledger rows, newest first."""
    seals = list(Seal.objects.filter(community=community).order_by("name"))
    uses = SealUse.objects.filter(seal__community=community)
    this_year = timezone.localdate().year
    years = sorted({d.year for d in uses.datetimes("at", "year")} | {this_year}, reverse=True)
    form = LedgerFilterForm(request.GET or None, years=years, seals=seals)
    year, seal_id = this_year, None
    if form.is_valid():
        year = form.cleaned_data["year"] or this_year
        seal_id = form.cleaned_data["seal"] or None
    rows = uses.filter(at__year=year)
    if seal_id:
        rows = rows.filter(seal_id=seal_id)
    rows = rows.select_related("seal", "approved_by", "applied_by").order_by("-at", "-id")
    return form, year, rows


@dataclass
class OpenRequest:
    obj: SealUseRequest
    decide_form: DecideForm | None
    apply_allowed: bool
    apply_problem: str | None
    text_problem: str | None = None  # liability wording: may be refused, never approved or stamped


def _open_requests(user: User, community: Region, failed: tuple[int, DecideForm] | None) -> list[OpenRequest]:
    result = []
    requests = SealUseRequest.objects.filter(
        community=community, status__in=[UseRequestStatus.PENDING, UseRequestStatus.APPROVED]
    ).select_related("seal", "seal__keeper", "requested_by", "decided_by")
    for obj in requests.order_by("requested_at"):
        decide_form = None
        if obj.status == UseRequestStatus.PENDING and can_decide_use(user, community):
            decide_form = failed[1] if failed and failed[0] == obj.pk else DecideForm(prefix=f"decide-{obj.pk}")
        allowed, problem = False, None
        text_errors = services.use_text_problems(document_title=obj.document_title, reason=obj.reason)
        text_problem = " ".join(m for messages in text_errors.values() for m in messages) or None
        if obj.status == UseRequestStatus.APPROVED and obj.seal.keeper_id == user.pk:
            problem = services.separation_problem(seal=obj.seal, applied_by=user, approved_by=obj.decided_by)
            allowed = problem is None and text_problem is None
        result.append(OpenRequest(obj, decide_form, allowed, problem, text_problem))
    return result


def _render_ledger(
    request: HttpRequest, community: Region, *, failed: tuple[int, DecideForm] | None = None, status: int = 200
) -> HttpResponse:
    form, year, rows = _ledger_rows(request, community)
    page = Paginator(rows, LEDGER_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "seals/ledger.html",
        {
            "community": community,
            "filters": form,
            "year": year,
            "page": page,
            "page_query": query.urlencode(),
            "export_query": query.urlencode(),
            "open_requests": _open_requests(request.user, community, failed),
            "can_request": can_request_use(request.user, community),
            "active": "ledger",
        },
        status=status,
    )


@login_required
@require_GET
def ledger(request: HttpRequest, community_code: str) -> HttpResponse:
    return _render_ledger(request, get_seal_community(request.user, community_code))


def ledger_header() -> list[str]:
    return [
        _("用印时间"),
        _("印章"),
        _("文件类型"),
        _("文件名称（用印事由）"),
        _("批准人"),
        _("用印人（保管人）"),
        _("份数"),
    ]


def ledger_cells(use: SealUse) -> list[object]:
    return [
        timezone.localtime(use.at).strftime("%Y-%m-%d %H:%M"),
        use.seal.name,
        use.get_document_kind_display(),
        use.document_title,
        use.approved_by.display_name,
        use.applied_by.display_name,
        use.copies,
    ]


@login_required
@require_GET
def ledger_export(request: HttpRequest, community_code: str, fmt: str) -> HttpResponse:
    community = get_seal_community(request.user, community_code)
    _form, year, rows = _ledger_rows(request, community)
    header, cells = ledger_header(), (ledger_cells(use) for use in rows.iterator())
    if fmt == "csv":
        response = HttpResponse(to_csv(header, cells), content_type=CSV_CONTENT_TYPE)
    elif fmt == "xlsx":
        title = _("%(year)s年用印登记") % {"year": year}
        response = HttpResponse(to_xlsx(header, cells, title=title), content_type=XLSX_CONTENT_TYPE)
    else:
        raise Http404
    audit_record(
        request, action=AuditAction.EXPORT, subject=f"用印登记簿 {community.name} {year}年（{fmt}）", region=community
    )
    response["Content-Disposition"] = f'attachment; filename="seal-ledger-{community.code}-{year}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response


# --- Seal use for documents that are not certificates ---------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def use_request_new(request: HttpRequest, community_code: str) -> HttpResponse:
    community = get_seal_community(request.user, community_code)
    if not can_request_use(request.user, community):
        raise Forbidden(in_words_of(community, _("只有本社区工作人员可以申请用印。")))
    form = UseRequestForm(request.POST or None, community=community)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.use_request_create(
                seal=data["seal"],
                actor=request.user,
                document_title=data["document_title"],
                reason=data["reason"],
                copies=data["copies"],
            )
        except ValidationError as error:
            _add_rule_errors(form, error)
        else:
            messages.success(request, in_words_of(community, _("用印申请已提交，待社区主任批准。")))
            return redirect("seals:ledger", community_code=community.code)
    return render(
        request,
        "seals/use_request_form.html",
        {"community": community, "form": form, "active": "ledger"},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def use_request_decide(request: HttpRequest, community_code: str, pk: int) -> HttpResponse:
    community = get_seal_community(request.user, community_code)
    use_request = get_object_or_404(SealUseRequest, community=community, pk=pk)
    if not can_decide_use(request.user, community):
        raise Forbidden(in_words_of(community, _("用印须经社区主任批准。")))
    form = DecideForm(request.POST, prefix=f"decide-{use_request.pk}")
    if form.is_valid():
        approve = form.cleaned_data["decision"] == DecideForm.APPROVE
        try:
            services.use_request_decide(
                use_request=use_request, actor=request.user, approve=approve, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            # Shown on the request's own decision form, with the note as typed.
            _add_rule_errors(form, error)
        else:
            messages.success(request, _("已批准，待印章保管人用印。") if approve else _("已决定不予批准。"))
            return redirect("seals:ledger", community_code=community.code)
    return _render_ledger(request, community, failed=(use_request.pk, form), status=400)


@login_required
@require_POST
def use_request_apply(request: HttpRequest, community_code: str, pk: int) -> HttpResponse:
    community = get_seal_community(request.user, community_code)
    use_request = get_object_or_404(SealUseRequest, community=community, pk=pk)
    try:
        use = services.use_request_apply(use_request=use_request, actor=request.user)
    except ValidationError as error:
        for message in _rule_messages(error):
            messages.error(request, message)
    else:
        messages.success(
            request, _("已用印并登记：%(title)s，%(copies)s份。") % {"title": use.document_title, "copies": use.copies}
        )
    return redirect("seals:ledger", community_code=community.code)
