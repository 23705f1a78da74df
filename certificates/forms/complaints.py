"""Forms of public complaints and alerts: they read what was typed; the rules are in certificates/complaints.py and
certificates/anomalies.py."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from certificates.models import ComplaintKind, ComplaintStatus
from portal.models import Region
from portal.regions import Level


def county_choices() -> list[tuple[str, str]]:
    counties = Region.objects.filter(level=Level.COUNTY, retired_on__isnull=True).select_related("parent")
    return [("", gettext_lazy("请选择"))] + [
        (c.code, f"{c.parent.name} {c.name}" if c.parent_id else c.name) for c in counties.order_by("code")
    ]


class ServiceErrors:
    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for key, messages in errors.items():
            for message in messages:
                self.add_error(key if key in self.fields else None, message)


class ComplaintForm(ServiceErrors, forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("反映什么问题"), choices=ComplaintKind.choices, widget=forms.RadioSelect
    )
    county = forms.ChoiceField(label=gettext_lazy("所在区县"), required=False)
    community_name = forms.CharField(label=gettext_lazy("社区（村）名称"), max_length=100, required=False)
    requesting_body = forms.CharField(label=gettext_lazy("要求开具证明的单位"), max_length=200, required=False)
    item_text = forms.CharField(label=gettext_lazy("证明名称"), max_length=120)
    details = forms.CharField(
        label=gettext_lazy("经过（可选）"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    phone = forms.CharField(label=gettext_lazy("联系电话（可选）"), max_length=20, required=False)

    def __init__(self, *args, community: Region | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.community = community
        self.fields["county"].choices = county_choices()
        if community is not None:
            del self.fields["county"], self.fields["community_name"]


class LookupForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("查询码"), max_length=40)


class ComplaintMoveForm(forms.Form):
    reply = forms.CharField(label=gettext_lazy("答复"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class ComplaintFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("状态"), choices=[("", gettext_lazy("全部"))] + ComplaintStatus.choices, required=False
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("类型"), choices=[("", gettext_lazy("全部"))] + ComplaintKind.choices, required=False
    )
    q = forms.CharField(label=gettext_lazy("单位、证明或社区"), max_length=50, required=False)


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("核查或处理情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
