"""Forms of the residents' side: applying for a certificate, answering a supplement request, and asking for a
refusal notice.

The forms only read what was typed and check its shape (lengths). Whether a request is complete
and admissible is decided by certificates.services.request_create, whose per-field errors (`RequestInvalid`) are
put back onto these forms with `ApplyForm.add_service_errors`, so every missing piece shows at once next to its
field. Files are passed through untouched: certificates.uploads judges them by content and names the rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext_lazy as _

from catalog.models import IssuableItem
from certificates.forms.items import ItemFieldsMixin
from certificates.models import CommitmentText
from certificates.services import RequestInput
from portal.models import Region, User
from portal.widgets import MultipleFilePicker

ACCEPT = "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"
FILE_RULES = _(
    "每项材料可选择多个文件（如身份证正反面），可以用手机拍照上传。PDF、JPG 或 PNG 格式，单个文件不超过 10MB，"
    "全部材料合计不超过 40MB。"
)
OTHER_MATERIAL = "其他补正材料"


class MultipleFileInput(MultipleFilePicker):
    """The portal's file picker (Chinese whatever the browser's language), several files at once."""


class MultipleFileField(forms.FileField):
    """Any number of files for one material. Never required here (the service says which material is missing),
    and not checked here: certificates.uploads checks each file by its content. The upload rules are written
    once per page (FILE_RULES, element id "file-rules") and every file input points to them."""

    widget = MultipleFileInput
    described_by = "file-rules"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.update({"accept": ACCEPT, "multiple": True})

    def clean(self, data: Any, initial: Any = None) -> list:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [f for f in files if f]


class PortalFormMixin:
    """Bootstrap classes, required markers and error wiring (aria-invalid, aria-describedby) for our templates."""

    def style_fields(self) -> None:
        for f in self.fields.values():
            widget = f.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = css
            # No maxlength: the browser would cut a pasted text without a word. The limit is stated under the
            # box with a live count (static/portal/js/char-count.js) and the server refuses an over-long text.
            widget.attrs.pop("maxlength", None)
            if getattr(f, "show_required", False):
                widget.attrs["aria-required"] = "true"

    def mark_errors(self) -> None:
        """Call before rendering: flags invalid fields and links each input to its help and error texts."""
        for name, f in self.fields.items():
            bound = self[name]
            described = []
            if f.help_text:
                described.append(f"{bound.auto_id}-help")
            if getattr(f, "described_by", ""):
                described.append(f.described_by)
            if getattr(f, "max_length", None) and f.max_length > 20 and not isinstance(f.widget, forms.Select):
                described.append(f"{bound.auto_id}-count")
            if name in self.errors:
                f.widget.attrs["class"] = f.widget.attrs.get("class", "") + " is-invalid"
                f.widget.attrs["aria-invalid"] = "true"
                described.insert(0, f"{bound.auto_id}-error")
            if described:
                f.widget.attrs["aria-describedby"] = " ".join(described)


def _required(f: forms.Field) -> forms.Field:
    f.show_required = True
    return f


@dataclass
class MaterialRow:
    """One material of the item in the form: its file input and, if replaceable, the commitment checkbox."""

    index: int
    name: str
    requirement: str
    file: forms.BoundField
    commit: forms.BoundField | None
    previous_files: list[str] = field(default_factory=list)
    kept: list[Any] = field(default_factory=list)  # PendingUpload rows: chosen before, kept for this session

    @property
    def errors(self) -> list[str]:
        return list(self.file.errors)


class ApplyForm(ItemFieldsMixin, PortalFormMixin, forms.Form):
    """A resident's online application for one issuable item, built from the item's own fields and materials."""

    applicant_name = _required(forms.CharField(label=_("申请人姓名"), max_length=50, required=False))
    applicant_id_number = _required(
        forms.CharField(
            label=_("公民身份号码"),
            max_length=18,
            required=False,
            help_text=_("18位，最后一位可能是 X。"),
        )
    )
    applicant_phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        required=False,
        help_text=_("社区需要联系您时使用。"),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    purpose = _required(forms.CharField(label=_("办理用途"), max_length=200, required=False))
    requesting_body = _required(
        forms.CharField(
            label=_("要求出具证明的单位"),
            max_length=200,
            required=False,
            help_text=_("哪个单位要求您提供这份证明，例如某公证处。"),
        )
    )
    requesting_basis = _required(
        forms.CharField(
            label=_("该单位说明的依据"),
            max_length=300,
            required=False,
            widget=forms.Textarea(attrs={"rows": 2}),
            help_text=_(
                "要求出具单位应说明依据：请填写该单位告知您的法律法规或政策文件名称和条款。对方说不出依据的，可以向社区或区县民政部门反映。"
            ),
        )
    )

    def __init__(
        self,
        *args: Any,
        item: IssuableItem,
        user: User,
        commitment_text: CommitmentText | None,
        community: Region | None = None,
        kept_uploads: dict[int, list] | None = None,
        **kwargs: Any,
    ) -> None:
        self.kept_uploads = kept_uploads or {}  # material index -> files kept from an earlier submit
        kwargs.setdefault(
            "initial",
            {"applicant_name": user.real_name, "applicant_phone": user.phone or ""},
        )
        super().__init__(*args, **kwargs)
        self.item = item
        self.user = user
        self.commitment_text = commitment_text
        # The number bound to the account is shown, not edited: a request is made in one's own name.
        self.id_locked = bool(user.id_number)
        if self.id_locked:
            del self.fields["applicant_id_number"]
        self.fields["applicant_name"].widget.attrs["autocomplete"] = "name"

        if item.purposes:
            choices = [("", _("请选择办理用途"))] + [(p, p) for p in item.purposes]
            # A plain text field with a select widget: a value outside the list is reported by the service,
            # together with everything else that is missing.
            self.fields["purpose"].widget = forms.Select(choices=choices)
            if len(item.purposes) == 1:
                self.fields["purpose"].initial = item.purposes[0]
        if item.requesting_bodies:
            self.fields["requesting_body"].widget.attrs["list"] = "requesting-bodies"
        if community is not None:
            self.add_requesting_body_fields(community, item)
            self.order_fields(["applicant_name", "applicant_id_number", "applicant_phone", "purpose"])

        self.add_item_fields(item)

        self.material_names: list[str] = []
        for index, material in enumerate(item.materials):
            self.material_names.append(material["name"])
            file_field = MultipleFileField(label=_("选择文件"))
            if material.get("requirement") == "required":
                file_field.show_required = True
            self.fields[f"material_{index}"] = file_field
            if material.get("requirement") == "commitment" and commitment_text is not None:
                self.fields[f"commit_{index}"] = forms.BooleanField(
                    label=_("以告知承诺替代"),
                    required=False,
                    widget=forms.CheckboxInput(attrs={"data-commitment": "1", "aria-controls": "commitment-panel"}),
                )
        if self.has_commitment_option:
            self.fields["commitment_confirmed"] = forms.BooleanField(
                label=_("本人已阅读并确认以上告知承诺书，愿意承担承诺不实的法律责任。"), required=False
            )
        self.style_fields()

    @property
    def has_commitment_option(self) -> bool:
        return any(name.startswith("commit_") for name in self.fields)

    def chosen_commitments(self) -> set[str]:
        data = getattr(self, "cleaned_data", {})
        return {name for index, name in enumerate(self.material_names) if data.get(f"commit_{index}")}

    def request_input(self) -> RequestInput:
        data = self.cleaned_data
        return RequestInput(
            applicant_name=data.get("applicant_name", ""),
            applicant_id_number=self.user.id_number if self.id_locked else data.get("applicant_id_number", ""),
            applicant_phone=data.get("applicant_phone", ""),
            purpose=data.get("purpose", ""),
            **self.requesting_body_input(),
            field_values=self.item_field_values(),
            uploads={
                name: [*self.kept_uploads.get(index, []), *data.get(f"material_{index}", [])]
                for index, name in enumerate(self.material_names)
                if data.get(f"material_{index}") or self.kept_uploads.get(index)
            },
            commitments=self.chosen_commitments(),
            commitment_confirmed=bool(data.get("commitment_confirmed")),
        )

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        """Put the service's errors (keyed by its names) next to the fields that caused them. A field that already
        shows the form's own message (e.g. too long) gets no second one: one message per field."""
        already = set(self.errors)
        for key, messages in errors.items():
            target = self._field_for(key)
            if target is not None and target in already:
                continue
            for message in messages:
                self.add_error(target, message)

    def _field_for(self, key: str) -> str | None:
        if key == "requesting_body":
            return self.body_error_field()
        if key in self.fields:
            return key
        if key.startswith("material_"):
            name = key.removeprefix("material_")
            if name in self.material_names:
                return f"material_{self.material_names.index(name)}"
        if key == "commitments" and "commitment_confirmed" in self.fields:
            return "commitment_confirmed"
        return None  # e.g. the ID number bound to the account: shown at the top of the form

    def material_rows(
        self, previous_files: dict[int, list[str]] | None = None, kept: list | None = None
    ) -> list[MaterialRow]:
        previous_files = previous_files or {}
        kept = kept or []
        rows = []
        for index, material in enumerate(self.item.materials):
            commit_name = f"commit_{index}"
            row_kept = [row for row in kept if row.material_index == index]
            if row_kept:  # files chosen before are kept: choosing more is optional
                widget = self.fields[f"material_{index}"].widget
                widget.button_text = _("再选择文件（可选）")
                widget.attrs.pop("aria-required", None)
            rows.append(
                MaterialRow(
                    index=index,
                    name=material["name"],
                    requirement=material.get("requirement", "required"),
                    file=self[f"material_{index}"],
                    commit=self[commit_name] if commit_name in self.fields else None,
                    previous_files=previous_files.get(index, []),
                    kept=row_kept,
                )
            )
        return rows

    def error_summary(self) -> list[tuple[str, str, str]]:
        """(anchor id, what it is about, message) for the list at the top of the page, in the form's order."""
        items = [("", "", message) for message in self.errors.get(NON_FIELD_ERRORS, [])]
        for name in self.fields:
            for message in self.errors.get(name, []):
                if name.startswith("material_"):
                    label = self.material_names[int(name.removeprefix("material_"))]
                elif name == "commitment_confirmed":
                    label = str(_("告知承诺"))
                else:
                    label = str(self.fields[name].label)
                items.append((self[name].auto_id, label, message))
        return items


class SupplementForm(PortalFormMixin, forms.Form):
    """More files (earlier files are kept) and a note, in answer to the community's supplement request."""

    note = forms.CharField(
        label=_("补正说明"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("简要说明补充了哪些材料，或回答社区提出的问题。"),
    )
    revision = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, material_names: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Stored with the attachment as the material's name: kept in Chinese whatever the page's language.
        self.material_names = [*material_names, OTHER_MATERIAL]
        for index in range(len(self.material_names)):
            self.fields[f"material_{index}"] = MultipleFileField(label=_("选择文件"))
        self.style_fields()

    def clean(self) -> dict:
        data = super().clean()
        if not self.uploads() and not (data.get("note") or "").strip():
            raise forms.ValidationError(_("请上传补正材料，或填写补正说明。"))
        return data

    def uploads(self) -> list[tuple[str, Any]]:
        data = getattr(self, "cleaned_data", {})
        return [
            (name, uploaded)
            for index, name in enumerate(self.material_names)
            for uploaded in data.get(f"material_{index}", [])
        ]

    def file_rows(self) -> list[tuple[str, forms.BoundField]]:
        """(the material's label, its file input); the last row is for anything else the community asked for."""
        return [
            (_("其他补正材料") if name == OTHER_MATERIAL else name, self[f"material_{index}"])
            for index, name in enumerate(self.material_names)
        ]


class RefusalNoticeForm(forms.Form):
    requesting_body = forms.CharField(
        label=_("要求您开具此证明的单位（可不填）"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
