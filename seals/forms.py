"""Forms of the seal pages: registering a seal, handing it over, retiring it, uploading its impression, asking for
and deciding on a non-certificate use, and filtering the ledger.

The forms check types and shapes only. Who may act and when, and whether an uploaded impression file is acceptable,
is decided in seals.services; its refusals (SealRuleError, ImpressionRejected) are put back onto these forms so the
user keeps what they typed.
"""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.models import Region, User
from portal.roles import Role
from portal.terms import community_terms
from portal.widgets import FilePicker
from seals.models import Seal, SealKind, SealStatus


def community_keepers(community: Region):
    """People who hold the seal-keeper role in this community (the only ones a seal can be given to)."""
    return (
        User.objects.filter(memberships__role=Role.KEEPER, memberships__region=community, memberships__active=True)
        .distinct()
        .order_by("real_name", "username")
    )


class KeeperChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.display_name}（{obj.username}）"


class SealForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("印章名称"),
        max_length=100,
    )
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=SealKind.choices, initial=SealKind.CERTIFICATE)
    keeper = KeeperChoiceField(
        label=gettext_lazy("保管人"),
        queryset=User.objects.none(),
    )

    def __init__(self, *args, community: Region, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keeper"].queryset = community_keepers(community)
        # a village speaks of itself as 本村 (portal.terms)
        here = community_terms(community)["here"]
        self.fields["name"].help_text = _("与印文一致，如“%(name)s证明专用章”。") % {"name": community.name}
        self.fields["keeper"].empty_label = _("请选择%(here)s的印章保管人") % {"here": here}
        self.fields["keeper"].help_text = _("只能选择在%(here)s担任“印章保管人”角色的人员。") % {"here": here}


class HandoverForm(forms.Form):
    to_keeper = KeeperChoiceField(
        label=gettext_lazy("接收人"),
        queryset=User.objects.none(),
        empty_label=gettext_lazy("请选择接收的保管人"),
    )
    note = forms.CharField(
        label=gettext_lazy("交接说明"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("如交接原因、监交人。"),
    )

    def __init__(self, *args, seal: Seal, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_keeper"].queryset = community_keepers(seal.community).exclude(pk=seal.keeper_id)


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("变更为"),
        choices=[(SealStatus.RETIRED, SealStatus.RETIRED.label), (SealStatus.LOST, SealStatus.LOST.label)],
        widget=forms.RadioSelect,
    )
    on = forms.DateField(
        label=gettext_lazy("日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("停用或发现遗失的日期。"),
    )
    reason = forms.CharField(
        label=gettext_lazy("原因"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("遗失的，请同时说明登报声明或报案情况。停用或遗失后不能恢复使用。"),
    )

    def clean_on(self):
        on = self.cleaned_data["on"]
        if on > timezone.localdate():
            raise forms.ValidationError(_("日期不能晚于今天。"))
        return on


# --- impression upload ------------------------------------------------------------------------------------------


class ImpressionForm(forms.Form):
    """The real impression (印模) of a seal, as filed with the public security organ: SVG or PNG, at most 1 MB
    (judged in seals.impressions.clean_impression, called by the service)."""

    file = forms.FileField(
        label=gettext_lazy("印模图像"),
        help_text=gettext_lazy("SVG 或 PNG 格式，不超过 1MB，背景透明为宜。上传后该印章不再是样章。"),
        widget=FilePicker(attrs={"accept": ".svg,.png,image/svg+xml,image/png"}),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("我确认该图像与公安机关备案的印模一致。"),
        required=True,
    )


# --- non-certificate seal use -----------------------------------------------------------------------------------


class UseRequestForm(forms.Form):
    seal = forms.ModelChoiceField(
        label=gettext_lazy("印章"), queryset=Seal.objects.none(), empty_label=gettext_lazy("请选择印章")
    )
    document_title = forms.CharField(label=gettext_lazy("文件名称"), max_length=200)
    reason = forms.CharField(
        label=gettext_lazy("用印事由"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("写明文件的用途和报送单位。"),
    )
    copies = forms.IntegerField(label=gettext_lazy("份数"), min_value=1, max_value=999, initial=1)

    def __init__(self, *args, community: Region, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seal"].queryset = Seal.objects.filter(community=community, status=SealStatus.IN_USE)


class DecideForm(forms.Form):
    APPROVE, REFUSE = "approve", "refuse"
    decision = forms.ChoiceField(
        label=gettext_lazy("决定"),
        choices=[(APPROVE, gettext_lazy("批准用印")), (REFUSE, gettext_lazy("不予批准"))],
    )
    note = forms.CharField(label=gettext_lazy("批示"), max_length=200, required=False)

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.REFUSE and not (data.get("note") or "").strip():
            self.add_error("note", _("不予批准的，请写明理由。"))
        return data


# --- the ledger -------------------------------------------------------------------------------------------------


class LedgerFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("年度"), coerce=int, required=False)
    seal = forms.TypedChoiceField(label=gettext_lazy("印章"), coerce=int, required=False)

    def __init__(self, *args, years: list[int], seals: list[Seal], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, _("%(year)s年") % {"year": y}) for y in years]
        self.fields["seal"].choices = [("", _("全部印章")), *[(s.pk, s.name) for s in seals]]
