"""Forms of the officers' catalog maintenance: one form per kind of item, and for an issuable item its three
structured lists (legal bases, materials, resident fields) as formsets.

The forms check input (types, lengths, a filled row's required cells); the catalog's policy rules are checked by
the model's full_clean(), which catalog.services runs on every write. An editor object (`IssuableItemEditor`,
`NonIssuableItemEditor`) holds a form and its formsets, copies what was typed onto the item, and carries a
ValidationError from the services back onto the fields, the list sections or the top of the form, so the page is
shown again with everything the officer typed.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from catalog import rules
from catalog.models import SCOPE_LEVEL, CatalogItem, IssuableItem, NonIssuableItem, Scope
from portal.access import AnyUser, editable_catalog_regions
from portal.models import Region

# The scope of an item follows from the level of the place that makes it: a county's item is a county item.
SCOPE_FOR_LEVEL: dict[str, str] = {level: scope for scope, level in SCOPE_LEVEL.items()}


def _model_field(model: type[models.Model], name: str, **kwargs: Any) -> forms.Field:
    """The form field Django derives from a model field, keeping its Chinese label and help text."""
    return model._meta.get_field(name).formfield(**kwargs)


def _verbose_name(model: type[models.Model], name: str) -> str:
    return model._meta.get_field(name).verbose_name


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class LinesField(forms.CharField):
    """A list kept as one entry per line of a textarea (purposes, requesting bodies, procedure steps)."""

    def __init__(self, *, rows: int = 3, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": rows}))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return "\n".join(str(entry) for entry in value)
        return value

    def to_python(self, value: Any) -> list[str]:
        if isinstance(value, list | tuple):
            return [str(entry) for entry in value]
        text = super().to_python(value)
        return [line.strip() for line in text.splitlines() if line.strip()]


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        scope = Scope(SCOPE_FOR_LEVEL[obj.level]).label
        return _("%(place)s（%(scope)s清单）") % {"place": obj.name, "scope": scope}


def _lines_field(model: type[models.Model], name: str, help_text: str, rows: int = 3) -> LinesField:
    return LinesField(label=_verbose_name(model, name), help_text=help_text, rows=rows)


# --- The two item forms ---------------------------------------------------------------------------------------


class CatalogItemForm(forms.Form):
    """Fields both kinds share. `scalar_fields` are copied onto the item as they are; `region` sets the scope.
    `layout` groups the page: (legend, field names) for a group of fields, (None, name) for a structured list."""

    model: type[CatalogItem]
    scalar_fields: tuple[str, ...] = ()
    layout: tuple[tuple[Any, Any], ...] = ()

    change_reason = forms.CharField(
        label=_("修改原因"),
        required=False,
        max_length=100,
        help_text=_("必填，记入版本记录，例如“依据新文件调整申请材料”。"),
    )

    def __init__(self, data: Any = None, *, user: AnyUser, item: CatalogItem, **kwargs: Any) -> None:
        self.item = item
        initial = self.initial_for(item) if item.pk else {"effective_from": item.effective_from}
        super().__init__(data, initial=initial, **kwargs)
        regions = editable_catalog_regions(user)
        self.fields["region"].queryset = Region.objects.filter(pk__in=[r.pk for r in regions]).order_by("code")
        if item.pk:
            # Every edit says why (catalog.services.check_change_reason is the rule; this marks the field).
            self.fields["change_reason"].required = True
            self.fields["change_reason"].error_messages["required"] = _("请写明修改原因，它会记入版本记录。")
        if not item.pk:
            del self.fields["change_reason"]
            if len(regions) == 1:
                self.initial["region"] = regions[0].pk
        elif item.is_published:
            # A published item is known by its code and its place; they stay as they were published.
            for name in ("code", "region"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("已发布的事项不能修改此项。")

        for field in self.fields.values():
            long_text = isinstance(field, forms.CharField) and (field.max_length or 0) >= 200
            wide = long_text or isinstance(field.widget, forms.Textarea | forms.CheckboxInput)
            field.width = "col-12" if wide else "col-12 col-md-6"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # Browsers send textarea line breaks as CRLF; store LF so that an untouched text is not a change.
        for name, value in data.items():
            if isinstance(value, str):
                data[name] = normalize_newlines(value)
        return data

    def initial_for(self, item: CatalogItem) -> dict[str, Any]:
        names = (*self.scalar_fields, "purposes")
        return {"region": item.region_id, **{name: getattr(item, name) for name in names}}

    def apply(self, item: CatalogItem) -> None:
        data = self.cleaned_data
        for name in (*self.scalar_fields, "purposes"):
            setattr(item, name, data[name])
        region = data["region"]
        item.region = region
        item.scope = SCOPE_FOR_LEVEL[region.level]

    @property
    def change_reason_value(self) -> str:
        return self.cleaned_data.get("change_reason", "") if hasattr(self, "cleaned_data") else ""


class IssuableItemForm(CatalogItemForm):
    model = IssuableItem
    scalar_fields = (
        "code",
        "name",
        "effective_from",
        "time_limit_workdays",
        "validity_months",
        "requires_deliberation",
        "involves_liability",
        "applies_to",
        "requesting_bodies",
        "procedure",
        "body_template",
        "notes",
    )

    code = _model_field(IssuableItem, "code", help_text=_("全省唯一，例如 610113-ZM09。"))
    name = _model_field(IssuableItem, "name", help_text=_("与群众习惯的叫法一致，例如“亲属关系证明（仅限公证）”。"))
    region = RegionChoiceField(
        queryset=Region.objects.none(),
        label=_("制定地方"),
        help_text=_("只能选择您负责维护清单的地方；清单层级随地方确定。"),
    )
    effective_from = _model_field(IssuableItem, "effective_from", widget=DateInput)
    time_limit_workdays = _model_field(IssuableItem, "time_limit_workdays")
    validity_months = _model_field(IssuableItem, "validity_months")
    requires_deliberation = _model_field(IssuableItem, "requires_deliberation")
    involves_liability = _model_field(IssuableItem, "involves_liability")
    applies_to = _model_field(IssuableItem, "applies_to")
    purposes = _lines_field(IssuableItem, "purposes", _("每行一项，例如“办理亲属关系公证”。"))
    requesting_bodies = _lines_field(IssuableItem, "requesting_bodies", _("每行一个单位，例如“公证机构”。"))
    procedure = _lines_field(IssuableItem, "procedure", _("每行一个步骤，按先后顺序填写。"), rows=5)
    body_template = _model_field(
        IssuableItem,
        "body_template",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "用下方按钮在光标处插入字段，正文中显示为 {字段名称}，例如 {申请人姓名}；"
            "其余字段须先在上方“居民填写的字段”中填写名称。"
            "选填字段所在的句子放进 [[ ]]：字段留空时整句省略，不留下“配偶：。”，"
            "例如“婚姻状况为{婚姻状况}[[，配偶：{配偶姓名}]]。”。"
            "日期字段打印为“2026年11月30日”。村民委员会出具时，“本社区”“居民委员会”自动改为“本村”“村民委员会”。"
            "用途和“特此证明”由证明版式排在正文末尾，正文中写明用途的，版式不再重复。"
        ),
    )
    notes = _model_field(IssuableItem, "notes", widget=forms.Textarea(attrs={"rows": 2}))

    field_order = [
        "code",
        "name",
        "region",
        "effective_from",
        "applies_to",
        "time_limit_workdays",
        "validity_months",
        "requires_deliberation",
        "involves_liability",
        "purposes",
        "requesting_bodies",
        "procedure",
        "body_template",
        "notes",
        "change_reason",
    ]

    layout = (
        (_("基本信息"), ("code", "name", "region", "effective_from", "applies_to")),
        (None, "legal_bases"),
        (
            _("用途和出具条件"),
            ("purposes", "requesting_bodies", "requires_deliberation", "involves_liability"),
        ),
        (None, "materials"),
        (_("办理流程和时限"), ("procedure", "time_limit_workdays", "validity_months")),
        (None, "fields"),
        (_("证明正文"), ("body_template", "notes")),
        (_("版本记录"), ("change_reason",)),
    )

    def initial_for(self, item: CatalogItem) -> dict[str, Any]:
        initial = super().initial_for(item)
        # Officers read and write placeholders by their Chinese names; the codes stay in storage.
        initial["body_template"] = rules.body_with_labels(item.body_template, item.fields)
        return initial

    def clean_involves_liability(self) -> bool:
        value = self.cleaned_data["involves_liability"]
        # The model refuses this too; asking the rule here puts its message on the checkbox itself instead of
        # next to the database constraint's technical message.
        try:
            rules.check_no_liability(involves_liability=value, texts={})
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from None
        return value


class NonIssuableItemForm(CatalogItemForm):
    model = NonIssuableItem
    scalar_fields = (
        "code",
        "name",
        "effective_from",
        "source_list",
        "reason",
        "alternative_department",
        "alternative_channel",
        "exception",
        "legal_basis",
        "needs_confirmation",
    )

    code = _model_field(NonIssuableItem, "code", help_text=_("全省唯一，例如 610113-BZ01。"))
    name = _model_field(NonIssuableItem, "name")
    region = RegionChoiceField(
        queryset=Region.objects.none(),
        label=_("制定地方"),
        help_text=_("只能选择您负责维护清单的地方；清单层级随地方确定。"),
    )
    effective_from = _model_field(NonIssuableItem, "effective_from", widget=DateInput)
    source_list = _model_field(
        NonIssuableItem, "source_list", help_text=_("例如“雁塔区不予出具证明事项清单（第一批）”。")
    )
    reason = _model_field(NonIssuableItem, "reason", widget=forms.Textarea(attrs={"rows": 2}))
    alternative_department = _model_field(
        NonIssuableItem, "alternative_department", help_text=_("群众应当到哪个部门办理。")
    )
    alternative_channel = _model_field(
        NonIssuableItem,
        "alternative_channel",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("窗口、网上办理入口或可替代的证件，写到群众照着就能办。"),
    )
    exception = _model_field(NonIssuableItem, "exception", widget=forms.Textarea(attrs={"rows": 2}))
    legal_basis = _model_field(NonIssuableItem, "legal_basis")
    needs_confirmation = _model_field(NonIssuableItem, "needs_confirmation")
    purposes = _lines_field(NonIssuableItem, "purposes", _("每行一项，例如“户口迁移”。"))

    layout = (
        (_("基本信息"), ("code", "name", "region", "effective_from", "source_list", "purposes")),
        (_("不予出具的理由和依据"), ("reason", "legal_basis")),
        (_("群众到哪里办"), ("alternative_department", "alternative_channel", "exception", "needs_confirmation")),
        (_("版本记录"), ("change_reason",)),
    )

    field_order = [
        "code",
        "name",
        "region",
        "effective_from",
        "source_list",
        "reason",
        "alternative_department",
        "alternative_channel",
        "exception",
        "legal_basis",
        "needs_confirmation",
        "purposes",
        "change_reason",
    ]


# --- Structured lists of an issuable item ---------------------------------------------------------------------


class RowForm(forms.Form):
    """One entry of a structured list. A row whose `key_fields` are all blank is an unused row and is skipped."""

    key_fields: tuple[str, ...] = ()
    required_when_filled: tuple[str, ...] = ()
    widths: dict[str, str] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.width = "col-12 " + self.widths.get(name, "")

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {}) or {}
        return not any(data.get(name) for name in self.key_fields)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.is_blank():
            for name in self.required_when_filled:
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("请填写%(label)s。") % {"label": self.fields[name].label})
        return data

    def to_json(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.fields if name != "DELETE"}


class LegalBasisForm(RowForm):
    key_fields = ("title", "issuer", "number", "article", "effective_date")
    required_when_filled = ("title",)
    widths = {
        "title": "col-md-6",
        "issuer": "col-md-6",
        "number": "col-md-4",
        "article": "col-md-4",
        "effective_date": "col-md-4",
    }

    title = forms.CharField(label=_("文件名称"), max_length=200, required=False)
    issuer = forms.CharField(label=_("制定机关"), max_length=200, required=False)
    number = forms.CharField(
        label=_("文号"),
        max_length=100,
        required=False,
        widget=forms.TextInput({"placeholder": _("如：民发〔2020〕20号")}),
    )
    article = forms.CharField(
        label=_("条款"), max_length=200, required=False, widget=forms.TextInput({"placeholder": _("如：第十一条")})
    )
    effective_date = forms.DateField(label=_("生效日期"), required=False, widget=DateInput)
    needs_confirmation = forms.BooleanField(label=_("待区县核实"), required=False)

    def to_json(self) -> dict[str, Any]:
        row = super().to_json()
        row["effective_date"] = row["effective_date"].isoformat() if row["effective_date"] else ""
        return row


class MaterialForm(RowForm):
    key_fields = ("name",)
    widths = {"name": "col-md-8", "requirement": "col-md-4"}

    name = forms.CharField(label=_("材料名称"), max_length=200, required=False)
    requirement = forms.ChoiceField(
        label=_("要求"), choices=list(rules.MATERIAL_REQUIREMENTS.items()), initial="required"
    )


class ResidentFieldForm(RowForm):
    """A field residents fill in. Officers give its Chinese name only; the code is derived when the item is saved
    (catalog.rules.assign_field_codes) and carried unchanged in a hidden input from then on."""

    key_fields = ("name", "label", "help", "example")
    required_when_filled = ("label",)
    widths = {"label": "col-md-8", "type": "col-md-4", "help": "col-md-6", "example": "col-md-6"}

    name = forms.CharField(max_length=40, required=False, widget=forms.HiddenInput)
    label = forms.CharField(
        label=_("字段名称"),
        max_length=60,
        required=False,
        help_text=_("居民看到的名称，也是正文中的占位符，例如“学校名称”。"),
        widget=forms.TextInput({"data-field-label": ""}),
    )
    type = forms.ChoiceField(label=_("类型"), choices=list(rules.FIELD_TYPES.items()), initial="text")
    required = forms.BooleanField(label=_("必填"), required=False)
    help = forms.CharField(label=_("填写说明"), max_length=200, required=False)
    example = forms.CharField(label=_("示例"), max_length=200, required=False)

    def clean_label(self) -> str:
        label = self.cleaned_data["label"].strip()
        if any(c in label for c in "{}[]"):
            raise forms.ValidationError(_("字段名称不能含有花括号或方括号。"))
        return label


class RowFormSet(forms.BaseFormSet):
    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("删除此项")

    def rows(self) -> list[dict[str, Any]]:
        """The filled, not deleted rows in their order, as stored in the item's JSON field."""
        return [
            form.to_json()
            for form in self.forms
            if form.is_valid() and not form.cleaned_data.get("DELETE") and not form.is_blank()
        ]


class LegalBasisRowFormSet(RowFormSet):
    def clean(self) -> None:
        super().clean()
        if not any(form.errors for form in self.forms):
            # The model says the same; asking the rule here shows its message on this list rather than atop the page.
            try:
                rules.check_legal_bases(self.rows())
            except ValidationError as error:
                raise forms.ValidationError(error.messages) from None


def _formset(form: type[RowForm], formset: type[RowFormSet] = RowFormSet) -> type[RowFormSet]:
    return forms.formset_factory(form, formset=formset, extra=2, can_delete=True, max_num=50, validate_max=True)


LegalBasisFormSet = _formset(LegalBasisForm, LegalBasisRowFormSet)
MaterialFormSet = _formset(MaterialForm)
ResidentFieldFormSet = _formset(ResidentFieldForm)


# --- Editors: a form with its formsets, saved through catalog.services -------------------------------------------


class ItemEditor:
    """Everything the officer types for one item. The view validates it, applies it to the item, calls the service,
    and on a ValidationError hands the error back with `add_model_errors`."""

    form_class: type[CatalogItemForm]
    # JSON field name → (formset class, section title, help text)
    sections: dict[str, tuple[type[RowFormSet], str, str]] = {}

    def __init__(self, *, user: AnyUser, item: CatalogItem, data: Any = None) -> None:
        self.item = item
        self.form = self.form_class(data, user=user, item=item)
        # The item's rows are the initial values of an unbound formset only: a posted row is then always compared
        # with a blank row, so a row the officer left as it was is never taken for an unused one and dropped.
        self.formsets = {
            name: formset_class(data, initial=None if data is not None else (getattr(item, name) or None), prefix=name)
            for name, (formset_class, _title, _help) in self.sections.items()
        }
        for formset in self.formsets.values():
            formset.extra = 1 if formset.initial else 2  # blank rows to type into; the page can add more
        self.section_errors: dict[str, list[str]] = {}

    @property
    def model(self) -> type[CatalogItem]:
        return self.form_class.model

    def is_valid(self) -> bool:
        results = [self.form.is_valid(), *(formset.is_valid() for formset in self.formsets.values())]
        return all(results)

    def apply(self) -> CatalogItem:
        self.form.apply(self.item)
        for name, formset in self.formsets.items():
            setattr(self.item, name, formset.rows())
        return self.item

    @property
    def change_reason(self) -> str:
        return self.form.change_reason_value

    def add_model_errors(self, error: ValidationError) -> None:
        """Put each message where the officer will look for it: on its field, on its list, or atop the form."""
        error_dict = error.error_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.error_list}
        for name, errors in error_dict.items():
            if name in self.form.fields and not self.form.fields[name].disabled:
                self.form.add_error(name, errors)
            elif name in self.formsets:
                self.section_errors.setdefault(name, []).extend(ValidationError(errors).messages)
            else:
                self.form.add_error(None, labelled_messages(self.model, {name: errors}))

    def section(self, name: str) -> dict[str, Any]:
        _formset_class, title, help_text = self.sections[name]
        formset = self.formsets[name]
        return {
            "name": name,
            "title": title,
            "help": help_text,
            "formset": formset,
            "errors": [*self.section_errors.get(name, []), *(formset.non_form_errors() if formset.is_bound else [])],
            "has_row_errors": formset.is_bound and any(form.errors for form in formset.forms),
        }

    def sections_for_template(self) -> list[dict[str, Any]]:
        return [self.section(name) for name in self.sections]

    def layout(self) -> list[dict[str, Any]]:
        """The page's blocks in order: groups of bound fields and structured-list sections."""
        blocks: list[dict[str, Any]] = []
        for legend, content in self.form.layout:
            if legend is None:
                blocks.append({"section": self.section(content)})
                continue
            fields = [self.form[name] for name in content if name in self.form.fields]
            if fields:
                blocks.append({"legend": legend, "fields": fields})
        return blocks

    @property
    def has_errors(self) -> bool:
        return bool(
            self.form.errors
            or self.section_errors
            or any(formset.total_error_count() for formset in self.formsets.values() if formset.is_bound)
        )


class IssuableItemEditor(ItemEditor):
    form_class = IssuableItemForm
    sections = {
        "legal_bases": (
            LegalBasisFormSet,
            _("法律法规或政策依据"),
            _("至少一项。写明文件名称、制定机关、文号和条款；来源不确定的勾选“待区县核实”，核实后取消勾选。"),
        ),
        "materials": (
            MaterialFormSet,
            _("申请材料"),
            _("居民需要提交的材料。能以告知承诺替代的，选择“可以告知承诺替代”。"),
        ),
        "fields": (
            ResidentFieldFormSet,
            _("居民填写的字段"),
            _("居民申请时填写的内容。只需填写字段名称，系统自动编码；在下方证明正文中用按钮插入，显示为 {字段名称}。"),
        ),
    }


class NonIssuableItemEditor(ItemEditor):
    form_class = NonIssuableItemForm
    sections = {}


EDITORS: dict[type[CatalogItem], type[ItemEditor]] = {
    IssuableItem: IssuableItemEditor,
    NonIssuableItem: NonIssuableItemEditor,
}


def labelled_messages(model: type[models.Model], errors: dict[str, Any]) -> list[str]:
    """Messages of a ValidationError with the field's Chinese name in front, for a message box or a form's top."""
    result: list[str] = []
    for name, field_errors in errors.items():
        messages = ValidationError(field_errors).messages
        if name == NON_FIELD_ERRORS:
            result.extend(messages)
            continue
        try:
            label = model._meta.get_field(name).verbose_name
        except FieldDoesNotExist:
            label = name
        result.extend(f"{label}：{message}" for message in messages)
    return result


def error_messages(model: type[models.Model], error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return labelled_messages(model, error.error_dict)
    return error.messages


# --- Retiring ------------------------------------------------------------------------------------------------


class RetireForm(forms.Form):
    end_date = forms.DateField(
        label=_("截止日期"),
        widget=DateInput,
        help_text=_("截止日期当天仍然有效，次日起社区不能再据此出具证明。"),
    )
    reason = forms.CharField(
        label=_("废止理由"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("记入版本记录，例如“依据某某文件，该证明改由某部门出具”。"),
    )

    def clean_reason(self) -> str:
        return normalize_newlines(self.cleaned_data["reason"])

    def add_model_errors(self, model: type[CatalogItem], error: ValidationError) -> None:
        self.add_error(None, error_messages(model, error))


# --- The dashboard's filter ------------------------------------------------------------------------------------


class DashboardFilterForm(forms.Form):
    KIND_CHOICES = [("", _("全部清单")), ("issuable", _("可出具证明事项")), ("non-issuable", _("不予出具证明事项"))]
    STATUS_CHOICES = [("", _("全部状态")), ("draft", _("草稿")), ("published", _("已发布")), ("retired", _("已废止"))]

    kind = forms.ChoiceField(label=_("清单"), choices=KIND_CHOICES, required=False)
    status = forms.ChoiceField(label=_("状态"), choices=STATUS_CHOICES, required=False)


# --- The vocabulary (concepts, liability phrases) and the decisions recorded on items ------------------------------


class ConceptForm(forms.Form):
    name = forms.CharField(label=_("概念名称"), max_length=60, help_text=_("例如“健在”“无犯罪记录”。"))
    names = LinesField(
        label=_("群众常用的叫法"),
        rows=6,
        help_text=_("每行一个，例如“在世证明”“生存证明”。比较时忽略空格、标点、括号、繁简和“居民”“本人”等修饰词。"),
    )
    body_keywords = LinesField(
        label=_("证明正文关键词"),
        rows=4,
        help_text=_("每行一个。可出具事项的证明正文含有这些词时不能发布。省略号“…”表示中间可以有不超过12个字。"),
    )
    item_codes = LinesField(label=_("对应的清单事项编码"), rows=2, help_text=_("每行一个，例如 N10 或 610113-ZM06。"))
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    change_reason = forms.CharField(
        label=_("修改说明"), required=False, max_length=100, help_text=_("记入版本记录，说明为什么增删叫法。")
    )

    FIELDS = ("name", "names", "body_keywords", "item_codes", "note")

    def apply(self, concept) -> None:
        for name in self.FIELDS:
            setattr(concept, name, self.cleaned_data[name])

    def add_model_errors(self, error: ValidationError) -> None:
        error_dict = error.error_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.error_list}
        for name, errors in error_dict.items():
            self.add_error(name if name in self.fields else None, errors)


class LiabilityPhraseForm(forms.Form):
    phrase = forms.CharField(
        label=_("短语"),
        max_length=60,
        help_text=_("例如“担保”“承担…责任”。省略号“…”表示中间可以有不超过12个字；不支持其他通配符。"),
    )
    note = forms.CharField(label=_("说明"), required=False, max_length=200)
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)
    change_reason = forms.CharField(label=_("修改说明"), required=False, max_length=100)

    def apply(self, phrase) -> None:
        for name in ("phrase", "note", "active"):
            setattr(phrase, name, self.cleaned_data[name])

    add_model_errors = ConceptForm.add_model_errors


class NameReviewRequestForm(forms.Form):
    request_note = forms.CharField(
        label=_("提请说明"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("说明为什么该事项可以由社区出具，与不予出具事项有何不同（依据、适用范围）。"),
        error_messages={"required": _("请说明为什么该事项可以由社区出具（例如依据和适用范围）。")},
    )


class NameReviewDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审核意见"),
        choices=[("approve", _("同意发布")), ("refuse", _("不同意发布"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择同意或不同意。")},
    )
    decision_note = forms.CharField(
        label=_("理由"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("不同意时必填，区县据此修改。"),
    )


class ConfirmationForm(forms.Form):
    note = forms.CharField(
        label=_("核实说明"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("例如核对的文件名称、文号和条款。"),
        error_messages={"required": _("请写明核实情况，例如核对的文件、文号和条款。")},
    )
