"""Work-access pages (工作准入): a department applies, the county decides, everyone reads the decisions.

Who: department officers (bound to a county) apply and read their own applications; the county officer of that
county decides; provincial officers read; the public disclosure page lists every decided application.
Writes go through certificates/workaccess.py.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from certificates import workaccess
from certificates.models import AccessStatus, RequestingBody, RequestingBodyKind, WorkAccessApplication
from certificates.services import RequestInvalid
from certificates.workflow import WorkflowError
from portal.access import supervises
from portal.errors import Forbidden, NotFound
from portal.models import Region
from portal.regions import Level


class ApplicationForm(forms.Form):
    department = forms.TypedChoiceField(label=gettext_lazy("申请部门"), coerce=int)
    certificate_name = forms.CharField(label=gettext_lazy("拟要求社区出具的证明"), max_length=120, required=False)
    legal_basis = forms.CharField(
        label=gettext_lazy("法律依据（法律法规名称和条款）"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    why_not_self = forms.CharField(
        label=gettext_lazy("部门不能自行核实的原因"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    data_needed = forms.CharField(
        label=gettext_lazy("需要证明的信息"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    frequency = forms.CharField(label=gettext_lazy("预计频次（如每年约200件）"), max_length=200, required=False)

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.departments = {d.pk: d for d in departments}
        self.fields["department"].choices = [(d.pk, f"{d.county.name} · {d.name}") for d in departments]


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=gettext_lazy("决定"),
        choices=[("yes", gettext_lazy("准入")), ("no", gettext_lazy("不予准入"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=gettext_lazy("决定理由"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    alternative = forms.CharField(
        label=gettext_lazy("不予准入时：部门可从何处取得所需信息"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


def _add_errors(form: forms.Form, errors: dict[str, list[str]]) -> None:
    for key, found in errors.items():
        for message in found:
            form.add_error(key if key in form.fields else None, message)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def department(request: HttpRequest) -> HttpResponse:
    user = request.user
    counties = workaccess.department_counties(user)
    if not counties:
        raise Forbidden(_("工作准入申请仅供部门工作人员使用。"))
    departments = list(
        RequestingBody.objects.filter(county__in=counties, active=True, kind=RequestingBodyKind.DEPARTMENT)
        .select_related("county")
        .order_by("county__code", "name")
    )
    form = ApplicationForm(request.POST or None, departments=departments)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        body = form.departments[data.pop("department")]
        try:
            application = workaccess.apply(county=body.county, department=body, actor=user, **data)
        except RequestInvalid as invalid:
            _add_errors(form, invalid.errors)
        except WorkflowError as error:
            raise Forbidden(error.message) from None
        else:
            if application.status == AccessStatus.REFUSED:
                messages.warning(request, application.decision_reason)
            else:
                messages.success(request, _("已提交，等待区县作出准入决定。"))
            return redirect("desk:work_access")
    applications = WorkAccessApplication.objects.filter(applicant=user).select_related("county", "department")
    return render(
        request, "certificates/workaccess/department.html", {"form": form, "applications": applications[:100]}
    )


def _county(user, code: str) -> Region:
    county = Region.objects.filter(level=Level.COUNTY, code=code).first()
    if county is None or not supervises(user, county):
        raise NotFound(_("没有找到该区县，或它不在您的督导范围内。"))
    return county


@login_required
@require_safe
def county(request: HttpRequest, county_code: str) -> HttpResponse:
    county = _county(request.user, county_code)
    applications = list(
        WorkAccessApplication.objects.filter(county=county).select_related("department", "draft_item")[:200]
    )
    may_decide = workaccess.decides_for(request.user, county)
    return render(
        request,
        "certificates/workaccess/county.html",
        {
            "county": county,
            "pending": [a for a in applications if a.status == AccessStatus.PENDING],
            "decided": [a for a in applications if a.status != AccessStatus.PENDING],
            "may_decide": may_decide,
            "form": DecisionForm(),
        },
    )


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    application = WorkAccessApplication.objects.select_related("county").filter(pk=pk).first()
    if application is None or not supervises(request.user, application.county):
        raise NotFound(_("没有找到该申请。"))
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择准入或不予准入，并写明理由。"))
        return redirect("desk:work_access_county", county_code=application.county.code)
    try:
        decided = workaccess.decide(application_id=application.pk, actor=request.user, **form.cleaned_data)
    except RequestInvalid as invalid:
        for found in invalid.errors.values():
            for message in found:
                messages.error(request, message)
    except WorkflowError as error:
        if error.forbidden:
            raise Forbidden(error.message) from None
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("已准入，并形成事项草稿 %(code)s，请在清单维护中完善后按程序发布。") % {"code": decided.draft_item.code}
            if decided.draft_item
            else _("已作出不予准入决定。"),
        )
    return redirect("desk:work_access_county", county_code=application.county.code)


@require_safe
def public(request: HttpRequest, county_code: str) -> HttpResponse:
    """The county's disclosure of its work-access decisions (公开)."""
    county = Region.objects.filter(level=Level.COUNTY, code=county_code).select_related("parent").first()
    if county is None:
        raise NotFound(_("没有找到该区县。"))
    decided = (
        WorkAccessApplication.objects.filter(county=county)
        .exclude(status=AccessStatus.PENDING)
        .select_related("department")
        .order_by("-decided_at", "-id")[:200]
    )
    return render(request, "certificates/workaccess/public.html", {"county": county, "decided": decided})
