"""Forms of the community desk and county oversight: queue filters, one form per workflow action, counter entry,
the exceptional path and the four-eyes switch.

The forms check types and shapes only. The rules (who may act, in which state, what a request needs) live in
certificates/workflow.py and certificates/services.py; their refusals are put back onto these forms' fields.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import IssuableItem, NonIssuableItem
from certificates.forms.items import ItemFieldsMixin, ServiceCharField, ServiceChoiceField
from certificates.models import Channel, PostCheckResult, RequestingBodyKind, VerificationMethod
from certificates.services import RequestInput
from portal.idcard import normalize_id_number
from portal.models import Region, User
from portal.roles import Role
from portal.terms import in_words_of
from portal.widgets import FilePicker, MultipleFilePicker

UPLOAD_ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
EXCEPTIONAL_CHOICE = "__exceptional__"


class MultipleFileInput(MultipleFilePicker):
    """The portal's file picker (Chinese whatever the browser's language), several files at once."""


class MultipleFileField(forms.FileField):
    """Several files in one input; cleans to a list (empty when none were chosen)."""

    widget = MultipleFileInput

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("accept", UPLOAD_ACCEPT)

    def clean(self, data, initial=None) -> list:
        files = data if isinstance(data, list | tuple) else [data]
        files = [f for f in files if f]
        if not files and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


# --- The queue ------------------------------------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("搜索"),
        required=False,
        max_length=50,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": gettext_lazy("申请人姓名、身份证号后四位或事项")}
        ),
    )
    item = forms.ChoiceField(label=gettext_lazy("证明事项"), required=False)
    channel = forms.ChoiceField(
        label=gettext_lazy("受理渠道"), required=False, choices=[("", gettext_lazy("全部渠道")), *Channel.choices]
    )

    def __init__(self, *args: Any, items: list[IssuableItem], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [
            ("", _("全部事项")),
            *((item.code, item.name) for item in items),
            (EXCEPTIONAL_CHOICE, _("清单外据实出具")),
        ]


# --- One form per workflow action ------------------------------------------------------------------------------


class ActionForm(forms.Form):
    """Every action form carries the revision of the request the page showed; a stale or replayed POST is refused
    by the workflow (expected_revision) instead of acting twice."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def typed(self) -> bool:
        """Whether the user typed, chose or attached anything: then a refusal re-renders the form to keep it."""
        for name in self.fields:
            if name == "revision":
                continue
            key = self.add_prefix(name)
            if str(self.data.get(key, "")).strip() or (self.files and self.files.get(key)):
                return True
        return False

    def typed_values(self) -> list[tuple[str, str]]:
        """What the user entered, label by label, for when the action can no longer be taken."""
        values = []
        for name, field in self.fields.items():
            raw = str(self.data.get(self.add_prefix(name), "")).strip()
            if name == "revision" or not raw:
                continue
            choices = dict(getattr(field, "choices", []) or [])
            values.append((str(field.label), str(choices.get(raw, raw))))
        return values


class VerifyForm(ActionForm):
    method = forms.ChoiceField(
        label=gettext_lazy("核实方式"), choices=[("", gettext_lazy("请选择")), *VerificationMethod.choices]
    )
    note = forms.CharField(
        label=gettext_lazy("核实情况"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("写明核实了什么、如何核实、结论。"),
    )


class RequestSupplementForm(ActionForm):
    missing = forms.CharField(
        label=gettext_lazy("需补正的材料或内容"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("逐项列出，申请人会看到。补正期间不计入办理时限。"),
    )


class SupplementForm(ActionForm):
    note = forms.CharField(
        label=gettext_lazy("补正说明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("申请人到窗口补交材料时由工作人员代为提交。"),
    )
    files = MultipleFileField(label=gettext_lazy("补正材料文件"), help_text=gettext_lazy("PDF、JPEG 或 PNG。"))


class RecordDeliberationForm(ActionForm):
    held_on = forms.DateField(label=gettext_lazy("会议日期"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=gettext_lazy("地点"), max_length=200)
    participants = forms.CharField(
        label=gettext_lazy("参加人员"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("如：居民代表21人、楼栋长5人。"),
    )
    total = forms.IntegerField(label=gettext_lazy("参会人数"), min_value=1, max_value=100_000)
    agreed = forms.IntegerField(label=gettext_lazy("同意人数"), min_value=0, max_value=100_000)
    minutes = forms.FileField(
        label=gettext_lazy("会议记录（可选）"),
        required=False,
        widget=FilePicker(attrs={"accept": UPLOAD_ACCEPT}),
    )


class ReasonForm(ActionForm):
    reason = forms.CharField(label=gettext_lazy("理由"), widget=forms.Textarea(attrs={"rows": 3}))


class SendBackForm(ReasonForm):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = _("退回理由")
        self.fields["reason"].help_text = _("工作人员会看到，据此补充核实。")


class RejectForm(ReasonForm):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = _("不予出具的理由")
        self.fields["reason"].help_text = _("申请人会看到这段理由，请写明依据和可以去办理的部门。")


class CancelForm(ReasonForm):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = _("作废理由")
        self.fields["reason"].help_text = _("登记编号保留，作废记录永久保存；申请人会看到这段理由。")


class PostCheckForm(forms.Form):
    result = forms.ChoiceField(
        label=gettext_lazy("核查结果"), choices=PostCheckResult.choices, widget=forms.RadioSelect
    )
    method = forms.ChoiceField(label=gettext_lazy("核查方式"), choices=VerificationMethod.choices)
    note = forms.CharField(
        label=gettext_lazy("核查情况"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("写明核对了什么、向谁核实、结论。"),
    )


class ConfirmForm(ActionForm):
    """Actions without input: the button and the revision."""


# --- Counter entry and the exceptional path ---------------------------------------------------------------------


def find_resident_account(community: Region, value: str) -> list[User]:
    """Resident accounts of this community whose phone or identity number is value."""
    value = value.strip()
    if not value:
        return []
    return list(
        User.objects.filter(
            memberships__role=Role.RESIDENT, memberships__region=community, memberships__active=True, is_active=True
        )
        .filter(Q(phone=value) | Q(id_number=normalize_id_number(value)))
        .distinct()[:2]
    )


class ApplicantForm(ItemFieldsMixin, forms.Form):
    """The applicant, the optional link to their account, and what the certificate is for."""

    item: IssuableItem | None = None

    applicant_name = ServiceCharField(label=gettext_lazy("申请人姓名"), max_length=50)
    applicant_id_number = ServiceCharField(
        label=gettext_lazy("申请人公民身份号码"),
        max_length=18,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text", "spellcheck": "false"}),
    )
    applicant_phone = forms.CharField(
        label=gettext_lazy("联系电话"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )
    account = forms.CharField(
        label=gettext_lazy("关联居民账号（可选）"),
        max_length=18,
        required=False,
        help_text=gettext_lazy(
            "填写居民注册时使用的手机号码或公民身份号码。关联后，居民可以在网上查看办理进度和结果；不填则不关联。"
        ),
    )
    requesting_body = ServiceCharField(label=gettext_lazy("要求出具证明的单位"), max_length=200)
    requesting_basis = ServiceCharField(
        label=gettext_lazy("要求单位提出的依据"),
        max_length=300,
        help_text=gettext_lazy("要求出具证明的单位应当说明其法律法规或政策依据。"),
    )

    def __init__(self, *args: Any, community: Region, **kwargs: Any):
        self.community = community
        super().__init__(*args, **kwargs)
        self.add_requesting_body_fields(community, self.item)

    def clean_account(self) -> User | None:
        value = self.cleaned_data.get("account", "")
        if not value:
            return None
        found = find_resident_account(self.community, value)
        if not found:
            raise forms.ValidationError(
                in_words_of(self.community, _("本社区没有使用该手机号码或公民身份号码注册的居民账号。"))
            )
        if len(found) > 1:
            raise forms.ValidationError(_("找到多个居民账号，请改用公民身份号码查找。"))
        return found[0]  # whether it is the applicant's own account is the service's rule (_check_account)

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        """Put the service's errors (keyed by its own names) on the matching fields."""
        for key, messages in errors.items():
            field = {"requesting_body": self.body_error_field(), **self.service_keys()}.get(key, key)
            for message in messages:
                self.add_error(field if field in self.fields else None, message)

    def service_keys(self) -> dict[str, str]:
        return {}

    def applicant_input(self, **extra: Any) -> RequestInput:
        data = self.cleaned_data
        return RequestInput(
            applicant_name=data.get("applicant_name", ""),
            applicant_id_number=data.get("applicant_id_number", ""),
            applicant_phone=data.get("applicant_phone", ""),
            purpose=data.get("purpose", ""),
            **self.requesting_body_input(),
            **extra,
        )


REQUIREMENT_HELP = {
    "required": gettext_lazy("必须提供。"),
    "optional": gettext_lazy("可选。"),
    "commitment": gettext_lazy("必须提供，也可以由申请人签署告知承诺替代。"),
}


class CounterRequestForm(ApplicantForm):
    """The online application's fields, entered by staff for a resident at the counter (一窗受理)."""

    def __init__(self, *args: Any, item: IssuableItem, **kwargs: Any):
        self.item = item
        super().__init__(*args, **kwargs)
        if item.purposes:
            self.fields["purpose"] = ServiceChoiceField(
                label=_("办理用途"),
                choices=[("", _("请选择")), *((p, p) for p in item.purposes)],
                initial=item.purposes[0] if len(item.purposes) == 1 else None,
            )
        else:
            self.fields["purpose"] = ServiceCharField(label=_("办理用途"), max_length=200)
        self.add_item_fields(item)
        # Materials by position: their names are free text, not safe as HTML ids.
        self.materials = list(item.materials)
        for index, material in enumerate(self.materials):
            self.fields[f"material_{index}"] = MultipleFileField(
                label=material["name"], help_text=REQUIREMENT_HELP.get(material.get("requirement"), "")
            )
        if self.materials:
            self.fields["originals_seen"] = forms.MultipleChoiceField(
                label=_("原件已查验（不需扫描上传）"),
                required=False,
                choices=[(m["name"], m["name"]) for m in self.materials],
                widget=forms.CheckboxSelectMultiple,
                help_text=_("当面查验申请人出示的原件后勾选，该材料不再需要上传扫描件；查验记入办理记录。"),
            )
        replaceable = [m["name"] for m in self.materials if m.get("requirement") == "commitment"]
        if replaceable:
            self.fields["commitments"] = forms.MultipleChoiceField(
                label=_("以告知承诺替代的材料"),
                required=False,
                choices=[(name, name) for name in replaceable],
                widget=forms.CheckboxSelectMultiple,
                help_text=_("申请人当面阅读并签署告知承诺书后勾选；这些事项将列入事后核查。"),
            )
        order = ["applicant_name", "applicant_id_number", "applicant_phone", "account", "purpose"]
        order += ["requesting_body_id", "requesting_body", "requesting_basis"]
        self.order_fields(order)

    def service_keys(self) -> dict[str, str]:
        return {f"material_{m['name']}": f"material_{i}" for i, m in enumerate(self.materials)}

    def content_fields(self) -> list[forms.BoundField]:
        """The item's own fields (what the certificate will state), for the template."""
        return self.item_fields()

    def material_fields(self) -> list[forms.BoundField]:
        return [self[f"material_{i}"] for i in range(len(self.materials))]

    def request_input(self) -> RequestInput:
        data = self.cleaned_data
        return self.applicant_input(
            field_values=self.item_field_values(),
            uploads={
                m["name"]: data[f"material_{i}"] for i, m in enumerate(self.materials) if data.get(f"material_{i}")
            },
            commitments=set(data.get("commitments") or []),
            originals_seen=set(data.get("originals_seen") or []),
        )


class ExceptionalRequestForm(ApplicantForm):
    """清单外据实出具: a matter in neither list that the community can verify (陕西通知 三)."""

    matter_name = ServiceCharField(
        label=gettext_lazy("证明事项名称"), max_length=120, help_text=gettext_lazy("写明需要证明的事实。")
    )
    can_verify = ServiceCharField(
        label=gettext_lazy("社区能够核实的说明"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("社区如何核实这一事实：入户走访、档案、台账、邻里证言等。"),
    )
    risk_assessment = ServiceCharField(
        label=gettext_lazy("风险评估"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("证明被误用的可能、防范措施；社区印章不得用于承担法律责任或经济连带责任的证明。"),
    )
    precautions = forms.CharField(
        label=gettext_lazy("预先防范措施"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "不予出具清单中的事项（区县认定本地替代途径尚未到位的）必须填写：如何防止证明被误用，如限定用途、"
            "注明有效期、留存核实材料。"
        ),
    )
    purpose = ServiceCharField(label=gettext_lazy("办理用途"), max_length=200)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # The service does not check the name on this path; a request without an applicant's name is no request.
        self.fields["applicant_name"] = forms.CharField(label=_("申请人姓名"), max_length=50)
        self.order_fields(
            ["matter_name", "can_verify", "risk_assessment", "precautions", "applicant_name", "applicant_id_number"]
        )


# --- County oversight ------------------------------------------------------------------------------------------


class ServiceErrors:
    """A service's RequestInvalid errors shown on the form's own fields (others above the form)."""

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for key, messages in errors.items():
            for message in messages:
                self.add_error(key if key in self.fields else None, message)


class CountySwitchForm(ServiceErrors, forms.Form):
    """Setting one of the county's switches (certificates.models.CountySwitch): the choice, and a reason, which is
    kept with the history."""

    reason = forms.CharField(
        label=gettext_lazy("理由"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("每次设置都会留存记录。"),
    )


def _switch_choice(label, no: str, yes: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, choices=[("no", no), ("yes", yes)], coerce=lambda value: value == "yes", widget=forms.RadioSelect
    )


class FourEyesForm(CountySwitchForm):
    allowed = _switch_choice(
        gettext_lazy("主任能否签批本人核实的事项"),
        gettext_lazy("不允许（四眼原则：核实人与签字人必须是两个人）"),
        gettext_lazy("允许（工作人员过少，经区县同意豁免）"),
    )
    field_order = ["allowed", "reason"]


class CountyReviewForm(forms.Form):
    approved = forms.TypedChoiceField(
        label=gettext_lazy("复核结论"),
        choices=[("yes", gettext_lazy("同意出具")), ("no", gettext_lazy("不同意出具"))],
        coerce=lambda value: value == "yes",
        initial="yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=gettext_lazy("复核意见"), max_length=500)


class CountyReviewGateForm(CountySwitchForm):
    gate = _switch_choice(
        gettext_lazy("区县对清单外事项的复核"),
        gettext_lazy("事后复核：社区照常办理，区县复核留存记录"),
        gettext_lazy("事前批准：经区县复核同意后主任才能签字"),
    )
    field_order = ["gate", "reason"]


class SupervisionPhoneForm(CountySwitchForm):
    phone = forms.CharField(
        label=gettext_lazy("监督电话"),
        max_length=32,
        required=False,
        help_text=gettext_lazy("印在本区县各社区（村）公示的清单上，受理证明事项的投诉和监督。留空则不印。"),
    )
    field_order = ["phone", "reason"]


class TransitionalGapForm(ServiceErrors, forms.Form):
    """Mark or clear one listed item as 政策暂时衔接不到位 in the county."""

    item = forms.ModelChoiceField(label=gettext_lazy("不予出具事项"), queryset=NonIssuableItem.objects.none())
    not_in_place = forms.TypedChoiceField(
        label=gettext_lazy("认定"),
        choices=[
            ("yes", gettext_lazy("本地替代途径尚未到位（可按过渡期例外据实出具）")),
            ("no", gettext_lazy("已经到位（取消认定）")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    valid_from = forms.DateField(
        label=gettext_lazy("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = forms.DateField(
        label=gettext_lazy("截止日期（可不填）"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(
        label=gettext_lazy("说明"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("哪个部门的替代途径尚未到位、已与谁沟通、预计何时到位。"),
    )

    def __init__(self, *args: Any, items, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items


class RequestingBodyForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("单位名称"),
        max_length=200,
        error_messages={"required": gettext_lazy("请填写要求单位的名称。")},
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("类型"),
        choices=RequestingBodyKind.choices,
        error_messages={"required": gettext_lazy("请选择单位类型。")},
    )

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for key, messages in errors.items():
            for message in messages:
                self.add_error(key if key in self.fields else None, message)


class RequestingBasisForm(forms.Form):
    body = forms.ChoiceField(label=gettext_lazy("单位"), error_messages={"required": gettext_lazy("请选择单位。")})
    item = forms.ModelChoiceField(
        label=gettext_lazy("证明事项"),
        queryset=IssuableItem.objects.none(),
        error_messages={"required": gettext_lazy("请选择证明事项。")},
    )
    basis = forms.CharField(
        label=gettext_lazy("该单位说明的依据"),
        max_length=300,
        error_messages={"required": gettext_lazy("请填写该单位说明的依据。")},
        help_text=gettext_lazy("法律法规或政策文件的名称和条款。居民选择该单位时自动填入。"),
    )

    def __init__(self, *args: Any, bodies, items, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["body"].choices = [("", _("请选择")), *((str(b.pk), b.name) for b in bodies)]
        self.fields["item"].queryset = items

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for key, messages in errors.items():
            for message in messages:
                self.add_error(key if key in self.fields else None, message)


class YearForm(forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("年度"), coerce=int, required=False)

    def __init__(self, *args: Any, years: list[int], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]
