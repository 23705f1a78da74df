"""County pages for the exceptional path and the requesting bodies (督导 · 区县).

Who: the county officer of a county sets them; the provincial officer above reads them; anyone else gets 404.
- the exceptional path (陕西通知 三): whether the county's review of matters in neither list is a record after the
  fact or a gate before signing, and which listed items' alternatives are not yet in place locally (政策暂时衔接
  不到位), each with a period and a note; every setting is a new row, so the history is kept.
- the registry of requesting bodies (departments, banks, schools) and the basis each states per item, from which
  residents and the counter pick (versioned with simple-history).
Writes go through certificates.services; these views only read, validate forms and call them.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from catalog.selectors import effective_non_issuable_items
from certificates import services
from certificates.forms.staff import (
    CountyReviewGateForm,
    RequestingBasisForm,
    RequestingBodyForm,
    SupervisionPhoneForm,
    TransitionalGapForm,
)
from certificates.models import (
    CountyReviewGate,
    RequestingBasis,
    RequestingBody,
    SupervisionPhoneChange,
    TransitionalGap,
)
from certificates.workflow import WorkflowError
from portal.access import supervises
from portal.models import Region
from portal.regions import Level


def _county(user, code: str) -> tuple[Region, bool]:
    """The county, and whether this user may change its settings (its own county officer); 404 for others."""
    county = Region.objects.filter(level=Level.COUNTY, code=code).select_related("parent").first()
    if county is None or not supervises(user, county):
        raise Http404
    return county, services.is_county_officer_of(user, county)


def _post_form(request: HttpRequest, action: str, form_class, **kwargs):
    """The form of the POSTed action bound to the data; the other forms empty."""
    posted = request.method == "POST" and request.POST.get("action") == action
    return form_class(request.POST if posted else None, prefix=action, **kwargs)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def exceptions(request: HttpRequest, county_code: str) -> HttpResponse:
    user = request.user
    county, may_set = _county(user, county_code)
    items = effective_non_issuable_items(county).order_by("code")
    gates = list(CountyReviewGate.objects.filter(county=county).select_related("set_by"))
    current = "yes" if gates and gates[0].gate else "no"
    gate_form = _post_form(request, "gate", CountyReviewGateForm, initial={"gate": current})
    gap_form = _post_form(request, "gap", TransitionalGapForm, items=items)
    phone_form = _post_form(request, "phone", SupervisionPhoneForm, initial={"phone": county.supervision_phone})
    if request.method == "POST":
        if not may_set:
            raise PermissionDenied(_("只有本区县民政干部可以设置。"))
        action = request.POST.get("action")
        try:
            if action == "gate" and gate_form.is_valid():
                setting = services.county_review_gate_set(county=county, actor=user, **gate_form.cleaned_data)
                messages.success(
                    request,
                    _("已设置：清单外事项须经区县复核同意后主任才能签字。")
                    if setting.gate
                    else _("已设置：清单外事项由区县事后复核并留存记录。"),
                )
                return redirect("desk:county_exceptions", county_code=county.code)
            if action == "gap" and gap_form.is_valid():
                gap = services.transitional_gap_set(county=county, actor=user, **gap_form.cleaned_data)
                messages.success(
                    request,
                    (
                        _("已认定“%(name)s”本地替代途径尚未到位。")
                        if gap.not_in_place
                        else _("已取消对“%(name)s”的认定。")
                    )
                    % {"name": gap.item.name},
                )
                return redirect("desk:county_exceptions", county_code=county.code)
            if action == "phone" and phone_form.is_valid():
                change = services.supervision_phone_set(county=county, actor=user, **phone_form.cleaned_data)
                messages.success(
                    request,
                    _("已设置监督电话：%(phone)s，公示的清单上将印出。") % {"phone": change.phone}
                    if change.phone
                    else _("已清除监督电话，公示的清单上不再印出。"),
                )
                return redirect("desk:county_exceptions", county_code=county.code)
            if action not in ("gate", "gap", "phone"):
                messages.error(request, _("未知的操作，未执行任何更改。"))
        except services.RequestInvalid as invalid:
            (phone_form if action == "phone" else gap_form).add_service_errors(invalid.errors)
        except WorkflowError as error:
            (gate_form if action == "gate" else gap_form).add_error(None, error.message)

    gaps = list(TransitionalGap.objects.filter(county=county).select_related("item", "set_by"))
    latest: dict[int, TransitionalGap] = {}
    for gap in gaps:
        latest.setdefault(gap.item_id, gap)
    today = timezone.localdate()
    return render(
        request,
        "certificates/staff/county_exceptions.html",
        {
            "county": county,
            "may_set": may_set,
            "gate_form": gate_form if may_set else None,
            "gap_form": gap_form if may_set else None,
            "phone_form": phone_form if may_set else None,
            "phones": SupervisionPhoneChange.objects.filter(county=county).select_related("set_by"),
            "gates": gates,
            "gate_now": gates[0] if gates else None,
            "rows": [
                {"item": item, "gap": gap, "in_force": bool(gap and gap.in_force(today))}
                for item in items
                for gap in [latest.get(item.pk)]
            ],
            "gaps": gaps,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def requesting_bodies(request: HttpRequest, county_code: str) -> HttpResponse:
    user = request.user
    county, may_set = _county(user, county_code)
    bodies = list(RequestingBody.objects.filter(county=county).order_by("-active", "name"))
    items = services.county_issuable_items(county)
    body_form = _post_form(request, "body", RequestingBodyForm)
    basis_form = _post_form(request, "basis", RequestingBasisForm, bodies=[b for b in bodies if b.active], items=items)
    if request.method == "POST":
        if not may_set:
            raise PermissionDenied(_("只有本区县民政干部可以维护要求出具证明的单位。"))
        action = request.POST.get("action")
        try:
            if action == "body" and body_form.is_valid():
                body = services.requesting_body_save(county=county, actor=user, **body_form.cleaned_data)
                messages.success(request, _("已登记单位：%(name)s。") % {"name": body.name})
                return redirect("desk:requesting_bodies", county_code=county.code)
            if action == "basis" and basis_form.is_valid():
                data = basis_form.cleaned_data
                body = next(b for b in bodies if str(b.pk) == data["body"])
                services.requesting_basis_set(body=body, item=data["item"], actor=user, basis=data["basis"])
                messages.success(request, _("已记录%(name)s的依据。") % {"name": body.name})
                return redirect("desk:requesting_bodies", county_code=county.code)
            if action in ("retire", "restore"):
                body = next((b for b in bodies if str(b.pk) == request.POST.get("body")), None)
                if body is None:
                    messages.error(request, _("该单位不在本区县登记。"))
                else:
                    services.requesting_body_save(
                        county=county, actor=user, body=body, name=body.name, kind=body.kind, active=action == "restore"
                    )
                    messages.success(request, _("已更新：%(name)s。") % {"name": body.name})
                return redirect("desk:requesting_bodies", county_code=county.code)
            if action == "basis_retire":
                row = RequestingBasis.objects.filter(
                    pk=request.POST.get("basis") if str(request.POST.get("basis", "")).isdigit() else None,
                    body__county=county,
                ).first()
                if row is not None:
                    services.requesting_basis_set(body=row.body, item=row.item, actor=user, basis="", active=False)
                    messages.success(request, _("已停用该依据。"))
                return redirect("desk:requesting_bodies", county_code=county.code)
            if action not in ("body", "basis"):
                messages.error(request, _("未知的操作，未执行任何更改。"))
        except services.RequestInvalid as invalid:
            (body_form if action == "body" else basis_form).add_service_errors(invalid.errors)
        except WorkflowError as error:
            (body_form if action == "body" else basis_form).add_error(None, error.message)

    bases: dict[int, list[RequestingBasis]] = {}
    for row in RequestingBasis.objects.filter(body__county=county, active=True).select_related("item"):
        bases.setdefault(row.body_id, []).append(row)
    changes = list(
        RequestingBody.history.filter(county=county).select_related("history_user").order_by("-history_date")[:20]
    )
    return render(
        request,
        "certificates/staff/requesting_bodies.html",
        {
            "county": county,
            "may_set": may_set,
            "rows": [{"body": b, "bases": bases.get(b.pk, [])} for b in bodies],
            "body_form": body_form if may_set else None,
            "basis_form": basis_form if may_set and any(b.active for b in bodies) else None,
            "changes": changes,
        },
    )
