"""Anomaly alerts (异常预警) for the officers overseeing a place: the list, one alert with its acknowledgement, and the
county's thresholds. Rules: certificates/anomalies.py."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from certificates import anomalies
from certificates.forms.complaints import AcknowledgeForm
from certificates.models import Alert, AlertAcknowledgement, AlertRule, AlertSetting
from certificates.services import RequestInvalid
from certificates.views.oversight import _region
from certificates.workflow import WorkflowError
from portal.errors import Forbidden, NotFound
from portal.regions import Level


@login_required
@require_safe
def alert_list(request: HttpRequest, region_code: str) -> HttpResponse:
    region, _places = _region(request.user, region_code)
    found = Alert.objects.filter(anomalies.in_region(region)).select_related("community", "acknowledgement")
    rule = request.GET.get("rule", "")
    state = request.GET.get("state", "open")
    if rule in AlertRule.values:
        found = found.filter(rule=rule)
    if state == "open":
        found = found.filter(acknowledgement__isnull=True)
    elif state == "done":
        found = found.filter(acknowledgement__isnull=False)
    page = Paginator(found, 30).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    county = region if region.level == Level.COUNTY else None
    return render(
        request,
        "certificates/alerts/list.html",
        {
            "region": region,
            "page": page,
            "rows": [(a, anomalies.describe(a)) for a in page],
            "rules": AlertRule.choices,
            "rule": rule,
            "state": state,
            "open_count": anomalies.open_count(region),
            "county": county,
            "query": query.urlencode(),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    alert = Alert.objects.select_related("county", "community").filter(pk=pk).first()
    if alert is None or not anomalies.oversees_alert(user, alert):
        raise NotFound(_("没有找到该预警，或它不在您的督导范围内。"))
    form = AcknowledgeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            anomalies.alert_acknowledge(alert_id=alert.pk, actor=user, note=form.cleaned_data["note"])
        except WorkflowError as error:
            if error.forbidden:
                raise Forbidden(error.message) from None
            form.add_error(None, error.message)
        else:
            messages.success(request, _("已确认该预警。"))
            return redirect("desk:alert", pk=alert.pk)
    acknowledgement = AlertAcknowledgement.objects.filter(alert=alert).select_related("actor").first()
    return render(
        request,
        "certificates/alerts/detail.html",
        {
            "alert": alert,
            "description": anomalies.describe(alert),
            "explain": anomalies.RULES[alert.rule].explain,
            "acknowledgement": acknowledgement,
            "may_acknowledge": acknowledgement is None and anomalies.may_decide(user, alert.county),
            "form": form,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def alert_rules(request: HttpRequest, county_code: str) -> HttpResponse:
    """The county's thresholds: its officers change them (a new version each time), officers above read them."""
    user = request.user
    county, _places = _region(user, county_code)
    if county.level != Level.COUNTY:
        raise NotFound(_("预警阈值由区县设定。"))
    may_edit = anomalies.may_decide(user, county)
    posted_rule = request.POST.get("rule", "")
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        if not may_edit:
            raise Forbidden(_("只有本区县的民政干部可以调整预警阈值。"))
        spec = anomalies.RULES.get(posted_rule)
        values: dict[str, int | None] = {}
        for param in spec.params if spec else ():
            raw = request.POST.get(param.key, "").strip()
            values[param.key] = int(raw) if raw.isdigit() else None
        try:
            anomalies.threshold_set(
                county=county, rule=posted_rule, values=values, note=request.POST.get("note", ""), actor=user
            )
        except RequestInvalid as invalid:
            errors = invalid.errors
        else:
            messages.success(request, _("已保存新的预警阈值，下次检查时生效。"))
            return redirect("desk:alert_rules", county_code=county.code)
    history = list(AlertSetting.objects.filter(county=county).select_related("set_by")[:100])
    rules = []
    for key, spec in anomalies.RULES.items():
        current = anomalies.thresholds(county, key)
        posted = request.POST if posted_rule == key else {}
        rules.append(
            {
                "key": key,
                "label": AlertRule(key).label,
                "explain": spec.explain,
                "params": [
                    {
                        "param": p,
                        "value": posted.get(p.key, current[p.key]),
                        "errors": errors.get(p.key, []) if posted_rule == key else [],
                    }
                    for p in spec.params
                ],
                "note": posted.get("note", ""),
                "note_errors": errors.get("note", []) if posted_rule == key else [],
                "history": [
                    (h, [(p.label, h.params.get(p.key)) for p in spec.params]) for h in history if h.rule == key
                ],
            }
        )
    return render(
        request,
        "certificates/alerts/rules.html",
        {"county": county, "rules": rules, "may_edit": may_edit},
        status=400 if errors else 200,
    )
