"""What the resident's online form and the counter form share: the item's own fields (what the certificate will
state) and the requesting-body picker (the county's registry, or "其他" and a typed name).

Shapes only: whether a value is missing, a date or a number is decided by certificates.services, once for both
channels. Help texts that come from catalog or registry data are ESCAPED here: Django and crispy render help_text
with |safe, so unescaped officer-entered text would be stored HTML (a stored XSS).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import IssuableItem
from certificates import selectors
from portal.models import Region

TEXT_MAX = 200
TEXTAREA_MAX = 1000
OTHER_BODY = "other"


class ServiceCheckedMixin:
    """A field shown as required (asterisk, the browser's `required`) whose emptiness the service reports, together
    with every other missing piece, instead of the form stopping at the first one."""

    def validate(self, value) -> None:
        if value in self.empty_values:
            return
        super().validate(value)


class ServiceCharField(ServiceCheckedMixin, forms.CharField):
    pass


class ServiceChoiceField(ServiceCheckedMixin, forms.ChoiceField):
    pass


def item_field(spec: dict) -> forms.Field:
    """One field of an item's own (IssuableItem.fields): text, textarea, date or number."""
    kind = spec.get("type", "text")
    attrs = {"placeholder": _("例：%(example)s") % {"example": spec["example"]}} if spec.get("example") else {}
    if kind == "textarea":
        widget, max_length = forms.Textarea(attrs={"rows": 3, **attrs}), TEXTAREA_MAX
    elif kind == "date":
        # The picker offers no future day; the service refuses one (a certificate attests what has happened).
        limits = {"min": "1900-01-01", "max": timezone.localdate().isoformat()}
        widget, max_length = forms.DateInput(attrs={"type": "date", **limits, **attrs}), 10
    elif kind == "number":
        widget, max_length = forms.NumberInput(attrs={"inputmode": "decimal", "step": "any", **attrs}), 20
    else:
        widget, max_length = forms.TextInput(attrs=attrs), TEXT_MAX
    field = ServiceCharField(
        label=spec.get("label") or spec["name"],
        max_length=max_length,
        required=bool(spec.get("required")),
        help_text=conditional_escape(spec.get("help", "")),  # catalog data: never HTML
        widget=widget,
    )
    field.kind = kind
    field.show_required = bool(spec.get("required"))
    return field


class BodySelect(forms.Select):
    """The registry's bodies; each option carries the body's basis for this item (data-basis), which the small
    static script copies into an empty basis box. Without the script the service fills it in the same way."""

    def __init__(self, *args: Any, bases: dict[str, str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.bases = bases or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if self.bases.get(str(value)):
            option["attrs"]["data-basis"] = self.bases[str(value)]  # attributes are escaped when rendered
        return option


class ItemFieldsMixin:
    """Builds the item fields and the requesting-body picker on a form that already has `requesting_body` (text)
    and `requesting_basis` fields."""

    item: IssuableItem | None

    def add_item_fields(self, item: IssuableItem) -> None:
        for spec in item.fields:
            self.fields[f"field_{spec['name']}"] = item_field(spec)

    def item_fields(self) -> list[forms.BoundField]:
        return [self[f"field_{spec['name']}"] for spec in self.item.fields] if self.item else []

    def item_field_values(self) -> dict[str, str]:
        data = self.cleaned_data
        return {spec["name"]: data.get(f"field_{spec['name']}") or "" for spec in self.item.fields} if self.item else {}

    def add_requesting_body_fields(self, community: Region, item: IssuableItem | None) -> None:
        listed = item.requesting_bodies if item is not None else []
        if listed:
            self.fields["requesting_body"].help_text = conditional_escape(  # catalog data: never HTML
                _("清单所列：%(bodies)s") % {"bodies": "、".join(listed)}
            )
        rows = selectors.requesting_bodies_for(community, item)
        if not rows:
            return  # no registry yet for this county: the typed name, as before
        bases = {str(body.pk): basis for body, basis in rows if basis}
        self.fields["requesting_body_id"] = ServiceChoiceField(
            label=gettext_lazy("要求出具证明的单位"),
            required=True,
            choices=[
                ("", gettext_lazy("请选择")),
                *((str(body.pk), body.name) for body, _basis in rows),
                (OTHER_BODY, gettext_lazy("其他（在下面填写单位名称）")),
            ],
            help_text=gettext_lazy("区县民政部门登记的单位；列表中没有的，选择“其他”并填写名称。"),
            widget=BodySelect(attrs={"data-body-picker": "1"}, bases=bases),
        )
        self.fields["requesting_body_id"].show_required = True
        # Both boxes are required once "其他" is chosen (certificates.services checks it): the name box is shown only
        # then, so it carries the marker; the basis box gets its marker from requesting-body.js when "其他" is chosen.
        other = self.fields["requesting_body"]
        other.label = _("其他单位名称")
        other.required = False
        other.show_required = True
        other.widget.attrs["data-required-when-other"] = "1"
        other.help_text = conditional_escape(_("选择“其他”时必填。") + (" " + str(other.help_text) if listed else ""))
        basis = self.fields["requesting_basis"]
        basis.required = False
        basis.show_required = False
        basis.required_when_other = True
        basis.widget.attrs["data-required-when-other"] = "1"
        basis.help_text = _("所选单位在区县登记了依据的，可以不填，自动采用登记的依据；选择“其他”的，必须填写。")

    def body_error_field(self) -> str:
        """Where a missing or unknown body is reported: on the list, unless "其他" was chosen."""
        if "requesting_body_id" not in self.fields:
            return "requesting_body"
        picked = (getattr(self, "cleaned_data", {}) or {}).get("requesting_body_id") or ""
        return "requesting_body" if picked == OTHER_BODY else "requesting_body_id"

    def requesting_body_input(self) -> dict[str, Any]:
        """The picked registry row (or none) and the typed name, for certificates.services.RequestInput."""
        data = self.cleaned_data
        picked = data.get("requesting_body_id") or ""
        registry_id = int(picked) if picked.isdigit() else None
        return {
            "requesting_body_id": registry_id,
            "requesting_body": "" if registry_id else data.get("requesting_body", "") or "",
            "requesting_basis": data.get("requesting_basis", "") or "",
            "requesting_body_other": picked == OTHER_BODY,
        }
