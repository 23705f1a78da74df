"""Public complaints (监督举报): the form anyone may fill in, the lookup by code (rate-limited like verification), and
the county's list and follow-up. Rules: certificates/complaints.py."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from catalog import selectors as catalog_selectors
from certificates import complaints
from certificates.forms.complaints import ComplaintFilterForm, ComplaintForm, ComplaintMoveForm, LookupForm
from certificates.models import Complaint, ComplaintStatus
from certificates.services import RequestInvalid
from certificates.views.oversight import _region
from certificates.workflow import WorkflowError
from portal.errors import Forbidden, NotFound
from portal.models import Region
from portal.ratelimit import over_limit

SUBMISSIONS_PER_HOUR = 10
SESSION_CODE = "complaint_code"

ACTION_LABELS = {
    "check": gettext_lazy("开始核查"),
    "close": gettext_lazy("办结并答复"),
    "reopen": gettext_lazy("重新核查"),
}


def _preset_community(code: str) -> Region | None:
    return catalog_selectors.public_community(code) if code and code.isdigit() else None


@require_http_methods(["GET", "HEAD", "POST"])
def complaint_new(request: HttpRequest) -> HttpResponse:
    """Anyone, signed in or not. A link from a community's page presets the community and the item."""
    source = request.POST if request.method == "POST" else request.GET
    community = _preset_community(source.get("community", ""))
    initial = {"item_text": request.GET.get("item", "")[:120], "kind": request.GET.get("kind", "")}
    form = ComplaintForm(request.POST if request.method == "POST" else None, community=community, initial=initial)
    status = 200
    if request.method == "POST":
        if over_limit(request, "complaint", limit=SUBMISSIONS_PER_HOUR, window_seconds=3600):
            form.is_valid()
            form.add_error(None, _("您在一小时内提交的反映过多，请稍后再试。"))
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            county = Region.objects.filter(code=data.get("county") or "").first() if community is None else None
            try:
                _complaint, code = complaints.complaint_submit(
                    complaints.Submission(
                        kind=data["kind"],
                        county=county,
                        community=community,
                        community_name=data.get("community_name", ""),
                        requesting_body=data["requesting_body"],
                        item_text=data["item_text"],
                        details=data["details"],
                        phone=data["phone"],
                    )
                )
            except RequestInvalid as invalid:
                form.add_service_errors(invalid.errors)
            else:
                # The code is shown once, on the next page; only its hash is stored.
                request.session[SESSION_CODE] = code
                return redirect("requests:complaint_received")
    return render(request, "certificates/complaints/new.html", {"form": form, "community": community}, status=status)


@require_safe
def complaint_received(request: HttpRequest) -> HttpResponse:
    code = request.session.pop(SESSION_CODE, None)
    response = render(request, "certificates/complaints/received.html", {"code": code})
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def complaint_lookup(request: HttpRequest) -> HttpResponse:
    """The reporter reads the status and the county's reply by code: no sign-in, counted per client address."""
    form = LookupForm(request.POST or None)
    complaint = None
    status = 200
    if request.method == "POST":
        window = settings.VERIFY_RATE_WINDOW_SECONDS
        if over_limit(request, "complaint-lookup", limit=settings.VERIFY_RATE_LIMIT, window_seconds=window):
            form.is_valid()
            form.add_error(None, _("查询次数过多，请稍等一分钟后再试。"))
            status = 429
        elif form.is_valid():
            complaint = complaints.find_by_code(form.cleaned_data["code"])
            if complaint is None:
                form.add_error("code", _("没有找到与该查询码对应的反映，请核对后重新输入。"))
    events = list(complaint.events.exclude(reply="")) if complaint else []
    response = render(
        request,
        "certificates/complaints/lookup.html",
        {"form": form, "complaint": complaint, "events": events},
        status=status,
    )
    response["Cache-Control"] = "no-store"
    if status == 429:
        response["Retry-After"] = str(settings.VERIFY_RATE_WINDOW_SECONDS)
    return response


# --- officers -------------------------------------------------------------------------------------------------------


@login_required
@require_safe
def complaint_list(request: HttpRequest, region_code: str) -> HttpResponse:
    region, places = _region(request.user, region_code)
    form = ComplaintFilterForm(request.GET or None)
    found = Complaint.objects.filter(complaints.in_region(region)).select_related(
        "county", "community", "non_issuable_item", "issuable_item"
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["status"]:
            found = found.filter(status=data["status"])
        if data["kind"]:
            found = found.filter(kind=data["kind"])
        if data["q"]:
            q = data["q"].strip()
            found = found.filter(
                Q(requesting_body__contains=q) | Q(item_text__contains=q) | Q(community__name__contains=q)
            )
    page = Paginator(found, 30).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "certificates/complaints/list.html",
        {
            "region": region,
            "form": form,
            "page": page,
            "counts": complaints.counts(region),
            "statuses": ComplaintStatus,
            "query": query.urlencode(),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    complaint = (
        Complaint.objects.select_related("county", "community", "non_issuable_item", "issuable_item")
        .filter(pk=pk)
        .first()
    )
    if complaint is None or not complaints.may_read(user, complaint):
        raise NotFound(_("没有找到该反映，或它不在您的督导范围内。"))
    action = request.POST.get("action", "")
    form = ComplaintMoveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if action not in complaints.COMPLAINT_MOVES:
            messages.error(request, _("未知的操作，未执行任何更改。"))
        elif form.is_valid():
            try:
                complaints.complaint_move(
                    complaint_id=complaint.pk, actor=user, action=action, reply=form.cleaned_data["reply"]
                )
            except WorkflowError as error:
                if error.forbidden:
                    raise Forbidden(error.message) from None
                form.add_error(None, error.message)
            except RequestInvalid as invalid:
                for message in invalid.errors.get("reply", []):
                    form.add_error("reply", message)
            else:
                messages.success(request, _("已记录，举报人凭查询码可以看到答复。"))
                return redirect("desk:complaint", pk=complaint.pk)
    actions = [a for a in complaints.COMPLAINT_MOVES if complaints.complaint_refusal(user, complaint, a) is None]
    return render(
        request,
        "certificates/complaints/detail.html",
        {
            "complaint": complaint,
            "events": complaint.events.select_related("actor"),
            "actions": actions,
            "action_labels": ACTION_LABELS,
            "form": form,
            "posted_action": action,
            "statuses": dict(ComplaintStatus.choices),
        },
    )
