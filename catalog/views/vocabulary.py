"""The vocabulary officers maintain: certificate concepts with the names people use (read by catalog/resolver.py) and
the liability phrases (read by catalog/liability.py). Provincial officers edit; county officers read. Every change is a
version with who, when and why, shown on the page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from catalog import services
from catalog.forms import ConceptForm, LiabilityPhraseForm
from catalog.models import CertificateConcept, IssuableItem, LiabilityPhrase, NonIssuableItem
from catalog.permissions import can_maintain_vocabulary
from catalog.views.officer import officer_required

LIST_FIELDS = ("names", "body_keywords", "item_codes")


def _versions(obj, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    """Each version with who, when, why and what it added or removed (lists) or changed (text)."""
    records = list(obj.history.select_related("history_user").order_by("-history_date", "-history_id"))
    versions = []
    for index, record in enumerate(records):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        for name in fields:
            old, new = (getattr(previous, name) if previous else None), getattr(record, name)
            if name in LIST_FIELDS:
                added = [v for v in new or [] if v not in (old or [])]
                removed = [v for v in old or [] if v not in (new or [])]
                if added or removed:
                    label = obj._meta.get_field(name).verbose_name
                    changes.append({"label": label, "added": added, "removed": removed})
            elif old != new and previous is not None:
                label = obj._meta.get_field(name).verbose_name
                changes.append({"label": label, "old": old, "new": new, "scalar": True})
        versions.append({"record": record, "number": len(records) - index, "changes": changes})
    return versions


def _require_maintainer(request: HttpRequest) -> None:
    if not can_maintain_vocabulary(request.user):
        raise PermissionDenied(_("证明概念和责任用语由省级民政干部维护。"))


# --- Concepts -------------------------------------------------------------------------------------------------


@officer_required
def concept_list(request: HttpRequest) -> HttpResponse:
    concepts = list(CertificateConcept.objects.all())
    names = {
        item.code: item.name
        for model in (NonIssuableItem, IssuableItem)
        for item in model.objects.filter(code__in={c for x in concepts for c in x.item_codes}).only("code", "name")
    }
    rows = [{"concept": c, "items": [(code, names.get(code, "")) for code in c.item_codes]} for c in concepts]
    return render(
        request,
        "catalog/officer/concept_list.html",
        {"rows": rows, "can_maintain": can_maintain_vocabulary(request.user)},
    )


@officer_required
def concept_detail(request: HttpRequest, pk: int) -> HttpResponse:
    concept = get_object_or_404(CertificateConcept, pk=pk)
    return render(
        request,
        "catalog/officer/concept_detail.html",
        {
            "concept": concept,
            "versions": _versions(concept, ("name", "names", "body_keywords", "item_codes", "note")),
            "can_maintain": can_maintain_vocabulary(request.user),
        },
    )


@officer_required
def concept_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require_maintainer(request)
    concept = get_object_or_404(CertificateConcept, pk=pk) if pk else CertificateConcept()
    initial = {name: getattr(concept, name) for name in ConceptForm.FIELDS} if pk else {}
    form = ConceptForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        form.apply(concept)
        try:
            services.concept_save(concept=concept, actor=request.user, reason=form.cleaned_data["change_reason"])
        except ValidationError as error:
            form.add_model_errors(error)
        else:
            messages.success(request, _("已保存。新的叫法立即用于发布检查和公开搜索。"))
            return redirect("catalog_officer:concept_detail", pk=concept.pk)
    return render(request, "catalog/officer/concept_form.html", {"form": form, "concept": concept if pk else None})


# --- Liability phrases ------------------------------------------------------------------------------------------


@officer_required
def phrase_list(request: HttpRequest) -> HttpResponse:
    from catalog.liability import FLOOR

    form = LiabilityPhraseForm(request.POST or None, initial={"active": True})
    if request.method == "POST":
        _require_maintainer(request)
        if form.is_valid():
            phrase = LiabilityPhrase()
            form.apply(phrase)
            try:
                services.phrase_save(phrase=phrase, actor=request.user, reason=form.cleaned_data["change_reason"])
            except ValidationError as error:
                form.add_model_errors(error)
            else:
                messages.success(request, _("已添加“%(phrase)s”。") % {"phrase": phrase.phrase})
                return redirect("catalog_officer:phrase_list")
    return render(
        request,
        "catalog/officer/phrase_list.html",
        {
            "phrases": LiabilityPhrase.objects.all(),
            "floor": FLOOR,
            "form": form,
            "can_maintain": can_maintain_vocabulary(request.user),
        },
    )


@officer_required
def phrase_detail(request: HttpRequest, pk: int) -> HttpResponse:
    phrase = get_object_or_404(LiabilityPhrase, pk=pk)
    initial = {"phrase": phrase.phrase, "note": phrase.note, "active": phrase.active}
    form = LiabilityPhraseForm(request.POST or None, initial=initial)
    if request.method == "POST":
        _require_maintainer(request)
        if form.is_valid():
            form.apply(phrase)
            try:
                services.phrase_save(phrase=phrase, actor=request.user, reason=form.cleaned_data["change_reason"])
            except ValidationError as error:
                form.add_model_errors(error)
            else:
                messages.success(request, _("已保存。"))
                return redirect("catalog_officer:phrase_detail", pk=phrase.pk)
    return render(
        request,
        "catalog/officer/phrase_detail.html",
        {
            "phrase": phrase,
            "form": form,
            "versions": _versions(phrase, ("phrase", "note", "active")),
            "can_maintain": can_maintain_vocabulary(request.user),
        },
    )
