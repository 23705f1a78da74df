"""Decisions recorded on catalog items: the province's review of a name near a non-issuable item (县提请 → 省审核) and
a county's confirmation of a basis flagged 待区县核实.

Every page reaches its item through catalog.permissions and writes through catalog.services.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalog import services
from catalog.forms import ConfirmationForm, NameReviewDecisionForm, NameReviewRequestForm, error_messages
from catalog.models import IssuableItem, NameReview, ReviewStatus
from catalog.permissions import (
    can_confirm_item,
    can_decide_review,
    can_request_review,
    get_item_for_officer,
    review_provinces,
)
from catalog.views.officer import _item_url, _model_for, officer_required
from portal.access import editable_catalog_regions


def _form_errors(form) -> str:
    return "；".join(str(m) for errors in form.errors.values() for m in errors)


@require_POST
@login_required
def review_request(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    item = get_item_for_officer(request.user, _model_for(kind), pk, write=True)
    if not isinstance(item, IssuableItem) or not can_request_review(request.user, item, services.review_state(item)):
        messages.error(request, _("该事项现在不需要提请省级审核。"))
        return redirect(_item_url("item_detail", item))
    form = NameReviewRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("未能提请审核：") + _form_errors(form))
        return redirect(_item_url("item_detail", item))
    try:
        services.name_review_request(item=item, actor=request.user, note=form.cleaned_data["request_note"])
    except ValidationError as error:
        messages.error(request, _("未能提请审核：") + "；".join(error_messages(NameReview, error)))
    else:
        messages.success(request, _("已提请省级民政部门审核。审核同意后即可发布。"))
    return redirect(_item_url("item_detail", item))


@officer_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """Provincial officers: the names waiting for their decision, and the decided ones. County officers: their own
    county's requests and how they were decided (read only)."""
    user = request.user
    provinces = review_provinces(user)
    reviews = NameReview.objects.select_related("item__region", "requested_by", "decided_by")
    if provinces:
        places = {p.prefix for p in provinces}
    else:
        places = {r.prefix for r in editable_catalog_regions(user)}
    visible = [r for r in reviews if any(r.item.scope_prefix.startswith(prefix) for prefix in places)]
    pending = [r for r in visible if r.status == ReviewStatus.PENDING]
    decided = [r for r in visible if r.status != ReviewStatus.PENDING][:50]
    return render(
        request,
        "catalog/officer/review_queue.html",
        {
            "pending": [{"review": r, "can_decide": can_decide_review(user, r)} for r in pending],
            "decided": decided,
            "is_province": bool(provinces),
            "form": NameReviewDecisionForm(),
        },
    )


@require_POST
@login_required
def review_decide(request: HttpRequest, pk: int) -> HttpResponse:
    review = NameReview.objects.select_related("item__region").filter(pk=pk).first()
    if review is None:
        raise Http404
    if not can_decide_review(request.user, review):
        if review.status != ReviewStatus.PENDING and review_provinces(request.user):
            messages.error(request, _("该审核已经处理。"))
            return redirect("catalog_officer:review_queue")
        raise PermissionDenied(_("只有省级民政干部可以审核名称相近的事项。"))
    form = NameReviewDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("未能保存审核意见：") + _form_errors(form))
        return redirect("catalog_officer:review_queue")
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.name_review_decide(
            review=review, actor=request.user, approve=approve, note=form.cleaned_data["decision_note"]
        )
    except ValidationError as error:
        messages.error(request, _("未能保存审核意见：") + "；".join(error_messages(NameReview, error)))
    else:
        messages.success(
            request,
            (_("已同意发布“%(name)s”。") if approve else _("已不同意发布“%(name)s”，理由已告知区县。"))
            % {"name": review.name},
        )
    return redirect("catalog_officer:review_queue")


@require_POST
@login_required
def item_confirm(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    model = _model_for(kind)
    item = get_item_for_officer(request.user, model, pk)
    if not can_confirm_item(request.user, item):
        messages.error(request, _("该事项没有需要您核实的依据。"))
        return redirect(_item_url("item_detail", item))
    form = ConfirmationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("未能记录核实：") + _form_errors(form))
        return redirect(_item_url("item_detail", item))
    try:
        services.basis_confirm(item=item, actor=request.user, note=form.cleaned_data["note"])
    except ValidationError as error:
        messages.error(request, _("未能记录核实：") + "；".join(error_messages(model, error)))
    else:
        messages.success(request, _("已记录核实（核实人和时间已保存）。"))
    return redirect(_item_url("item_detail", item))
