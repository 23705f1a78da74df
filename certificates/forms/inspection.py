"""Forms of inspection and correction: they read what was typed; the rules are in certificates/inspections.py."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from certificates.inspections import ItemResult, SystemCheck
from certificates.models import ChecklistItem, CheckResult


class InspectionForm(forms.Form):
    inspected_on = forms.DateField(label=gettext_lazy("检查日期"), widget=forms.DateInput(attrs={"type": "date"}))
    summary = forms.CharField(
        label=gettext_lazy("检查情况（可选）"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, checks: dict[str, SystemCheck], **kwargs):
        super().__init__(*args, **kwargs)
        self.checks = checks
        self.fields["inspected_on"].initial = timezone.localdate()
        for key in ChecklistItem.values:
            ok = checks[key].ok
            self.fields[key] = forms.ChoiceField(
                label=ChecklistItem(key).label,
                choices=CheckResult.choices,
                widget=forms.RadioSelect,
                initial=CheckResult.MET if ok else CheckResult.NOT_MET if ok is False else CheckResult.NOT_SEEN,
            )
            self.fields[f"{key}_note"] = forms.CharField(
                label=gettext_lazy("现场查看情况 / 发现的问题"),
                required=False,
                max_length=1000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[f"{key}_deadline"] = forms.DateField(
                label=gettext_lazy("整改期限"), required=False, widget=forms.DateInput(attrs={"type": "date"})
            )

    def items(self) -> list[dict]:
        """One entry per checklist item for the template: the system's check and the three fields."""
        return [
            {
                "key": key,
                "check": self.checks[key],
                "result": self[key],
                "note": self[f"{key}_note"],
                "deadline": self[f"{key}_deadline"],
            }
            for key in ChecklistItem.values
        ]

    def results(self) -> dict[str, ItemResult]:
        data = self.cleaned_data
        return {
            key: ItemResult(
                result=data.get(key, ""), note=data.get(f"{key}_note", ""), deadline=data.get(f"{key}_deadline")
            )
            for key in ChecklistItem.values
        }

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for key, messages in errors.items():
            for message in messages:
                self.add_error(key if key in self.fields else None, message)


class FindingMoveForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("说明"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    deadline = forms.DateField(
        label=gettext_lazy("新的整改期限"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class CriticismForm(forms.Form):
    facts = forms.CharField(
        label=gettext_lazy("问题事实"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    requirement = forms.CharField(
        label=gettext_lazy("整改要求"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    finding = forms.TypedChoiceField(
        label=gettext_lazy("所涉检查问题（可选）"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, findings, **kwargs):
        super().__init__(*args, **kwargs)
        self.findings = {f.pk: f for f in findings}
        self.fields["finding"].choices = [("", "—")] + [
            (f.pk, f"{f.get_item_display()} · {f.deadline:%Y-%m-%d}") for f in findings
        ]

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for key, messages in errors.items():
            for message in messages:
                self.add_error(key if key in self.fields else None, message)
