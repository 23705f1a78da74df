"""Officers' catalog maintenance (清单维护): draft, publish, retire, history, diff and restore.

Who: county officers edit their county's items, provincial officers their province's and its cities'. Every item
page reaches its item through catalog.permissions.get_item_for_officer (404 when the item is not the officer's to
see, 403 when it is seen but not theirs to change); every write goes through catalog.services. The views only
read, validate forms and call those two modules.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalog import rules, selectors, services
from catalog.attention import ENDING_DAYS, STALE_DRAFT_DAYS, officer_attention
from catalog.forms import EDITORS, DashboardFilterForm, RetireForm, error_messages
from catalog.models import CatalogItem, IssuableItem, NonIssuableItem, Status
from catalog.permissions import (
    can_confirm_item,
    can_create_items,
    can_discard_item,
    can_edit_item,
    can_edit_region_catalog,
    can_publish_item,
    can_request_review,
    can_restore_item,
    can_retire_item,
    get_item_for_officer,
)
from catalog.selectors import items_for_officer
from catalog.worddiff import word_diff
from portal.access import editable_catalog_regions, is_officer, officer_regions
from portal.errors import Forbidden
from portal.models import Region

KINDS: dict[str, type[CatalogItem]] = {"issuable": IssuableItem, "non-issuable": NonIssuableItem}
KIND_OF: dict[type[CatalogItem], str] = {model: kind for kind, model in KINDS.items()}

# Fields never shown in a diff: the row's identity and its automatic timestamps.
NOT_DIFFED = {"id", "created_at", "updated_at"}
_STATUSES = ("draft", "published", "retired")
LIST_FIELDS = {"legal_bases", "materials", "fields", "purposes", "requesting_bodies", "procedure"}


def _model_for(kind: str) -> type[CatalogItem]:
    try:
        return KINDS[kind]
    except KeyError:
        raise Http404 from None


def officer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Pages of the maintenance area itself: anonymous users go to sign in, other roles get 403."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_officer(request.user):
            raise Forbidden(_("清单维护仅供区县和省级民政干部使用。"))
        return view(request, *args, **kwargs)

    return wrapper


def _item_url(name: str, item: CatalogItem, **extra: Any) -> str:
    return reverse(f"catalog_officer:{name}", kwargs={"kind": KIND_OF[type(item)], "pk": item.pk, **extra})


def _status_q(status: str, today: dt.date) -> Q:
    not_ended = Q(effective_to__isnull=True) | Q(effective_to__gte=today)
    return {
        "draft": Q(status=Status.DRAFT),
        "published": Q(status=Status.PUBLISHED) & not_ended,
        "retired": Q(status=Status.PUBLISHED, effective_to__lt=today),
    }[status]


def _higher_level_items(model: type[CatalogItem], user) -> QuerySet:
    return selectors.items_maintained_above(
        model, own_places=editable_catalog_regions(user), officer_places=officer_regions(user)
    )


# --- Dashboard -------------------------------------------------------------------------------------------------


@officer_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    regions = editable_catalog_regions(user)
    filters = DashboardFilterForm(request.GET or None)
    kind = status = ""
    if filters.is_valid():
        kind, status = filters.cleaned_data["kind"], filters.cleaned_data["status"]
    today = timezone.localdate()

    sections = []
    for key, model in KINDS.items():
        mine = items_for_officer(model, regions)
        counts = mine.aggregate(**{name: Count("pk", filter=_status_q(name, today)) for name in _STATUSES})
        counts["total"] = sum(counts.values())
        items = mine.filter(_status_q(status, today)) if status else mine
        sections.append(
            {
                "kind": key,
                "title": model._meta.verbose_name_plural,
                "counts": counts,
                "items": list(items) if not kind or kind == key else None,
            }
        )
    higher = [
        {"kind": key, "title": model._meta.verbose_name_plural, "items": list(_higher_level_items(model, user))}
        for key, model in KINDS.items()
    ]
    own = {key: list(items_for_officer(model, regions)) for key, model in KINDS.items()}
    attention = officer_attention(
        user, own=own, higher={block["kind"]: block["items"] for block in higher}, today=today
    )
    return render(
        request,
        "catalog/officer/dashboard.html",
        {
            "regions": regions,
            "supervised": officer_regions(user),
            "filters": filters,
            "filtered": bool(kind or status),
            "sections": sections,
            "higher": higher,
            "higher_count": sum(len(block["items"]) for block in higher),
            "can_create": can_create_items(user),
            "attention": attention,
            "ending_days": ENDING_DAYS,
            "stale_days": STALE_DRAFT_DAYS,
        },
    )


# --- One item --------------------------------------------------------------------------------------------------


def _item_context(request: HttpRequest, item: CatalogItem) -> dict[str, Any]:
    user = request.user
    review = services.review_state(item)
    return {
        "review_state": review,
        "can_request_review": can_request_review(user, item, review),
        "can_confirm": can_confirm_item(user, item),
        "flagged": services.flagged(item),
        "confirmations": list(item.confirmations.select_related("region", "confirmed_by")),
        "reviews": list(item.name_reviews.select_related("requested_by", "decided_by"))
        if isinstance(item, IssuableItem)
        else [],
        "item": item,
        "kind": KIND_OF[type(item)],
        "kind_label": type(item)._meta.verbose_name,
        "is_issuable": isinstance(item, IssuableItem),
        "can_edit": can_edit_item(user, item),
        "can_publish": can_publish_item(user, item),
        "can_retire": can_retire_item(user, item),
        "can_discard": can_discard_item(user, item),
        "can_restore": can_restore_item(user, item),
    }


@login_required
def item_detail(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    item = get_item_for_officer(request.user, _model_for(kind), pk)
    context = _item_context(request, item)
    if isinstance(item, IssuableItem):
        context["materials"] = [_entry_text("materials", m) for m in item.materials]
        context["resident_fields"] = [_entry_text("fields", f) for f in item.fields]
        context["legal_bases"] = [_entry_text("legal_bases", b) for b in item.legal_bases]
        context["sample_text"] = item.sample_text()
    context["latest_version"] = item.history.select_related("history_user").first()
    return render(request, "catalog/officer/item_detail.html", context)


def _edit_page(request: HttpRequest, item: CatalogItem, *, creating: bool) -> HttpResponse:
    editor = EDITORS[type(item)](user=request.user, item=item, data=request.POST if request.method == "POST" else None)
    heading = str(item)
    if request.method == "POST" and editor.is_valid():
        editor.apply()
        if not can_edit_region_catalog(request.user, item.region):
            raise Forbidden(_("您只能修改本地方制定的清单事项；上级清单由上级部门维护。"))
        try:
            services.item_save(item=item, actor=request.user, reason=editor.change_reason)
        except ValidationError as error:
            editor.add_model_errors(error)
        else:
            if creating:
                messages.success(request, _("草稿已保存。核对无误后请点击“发布”，发布后社区才能使用。"))
            elif item.is_published:
                messages.success(request, _("修改已保存并立即生效，旧内容已记入版本记录。"))
            else:
                messages.success(request, _("草稿已保存。"))
            return redirect(_item_url("item_detail", item))
    context = {
        "editor": editor,
        "form": editor.form,
        "sections": editor.sections_for_template(),
        "creating": creating,
        "heading": heading,
        "kind": KIND_OF[type(item)],
        "kind_label": type(item)._meta.verbose_name,
        "item": item if not creating else None,
        "show_errors": request.method == "POST" and editor.has_errors,
        "standard_labels": list(rules.STANDARD_LABELS.items()),
    }
    return render(request, "catalog/officer/item_form.html", context, status=200)


@officer_required
def item_create(request: HttpRequest, kind: str) -> HttpResponse:
    model = _model_for(kind)
    if not can_create_items(request.user):
        raise Forbidden(_("您没有可以维护清单的地方。"))
    return _edit_page(request, model(), creating=True)


@login_required
def item_edit(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    item = get_item_for_officer(request.user, _model_for(kind), pk, write=True)
    return _edit_page(request, item, creating=False)


@require_POST
@login_required
def item_publish(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    item = get_item_for_officer(request.user, _model_for(kind), pk, write=True)
    try:
        item = services.item_publish(item=item, actor=request.user)
    except services.NameReviewRequired as error:
        messages.warning(request, _("未能发布：") + "；".join(error_messages(type(item), error)))
    except ValidationError as error:
        _error_message(request, _("未能发布，事项保持原状："), type(item), error)
    else:
        if item.effective_from > timezone.localdate():  # announced truthfully: from when, not "now"
            messages.success(
                request,
                _("已发布，自%(date)s起施行；在此之前，公示清单将其列为即将施行的事项。")
                % {"date": rules.chinese_date(item.effective_from)},
            )
        elif isinstance(item, IssuableItem):
            messages.success(request, _("已发布。社区现在可以按此事项出具证明。"))
        else:
            messages.success(request, _("已发布。社区现在起不再出具此项证明，并告知群众到哪里办理。"))
    return redirect(_item_url("item_detail", item))


@login_required
def item_retire(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    item = get_item_for_officer(request.user, _model_for(kind), pk, write=True)
    if not can_retire_item(request.user, item):
        messages.error(request, _("只有已发布且尚未废止的事项可以废止；草稿可以直接删除。"))
        return redirect(_item_url("item_detail", item))
    form = RetireForm(request.POST or None, initial={"end_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.item_retire(
                item=item,
                actor=request.user,
                end_date=form.cleaned_data["end_date"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.add_model_errors(type(item), error)
        else:
            messages.success(request, _("已设置截止日期，截止日期之后该事项不再有效。"))
            return redirect(_item_url("item_detail", item))
    context = {**_item_context(request, item), "form": form}
    return render(request, "catalog/officer/item_retire.html", context)


@require_POST
@login_required
def item_discard(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    item = get_item_for_officer(request.user, _model_for(kind), pk, write=True)
    try:
        services.item_discard_draft(item=item, actor=request.user)
    except ValidationError as error:
        _error_message(request, _("未能删除："), type(item), error)
        return redirect(_item_url("item_detail", item))
    messages.success(request, _("草稿“%(name)s”已删除。") % {"name": item.name})
    return redirect("catalog_officer:dashboard")


def _error_message(request: HttpRequest, lead: str, model: type[CatalogItem], error: ValidationError) -> None:
    messages.error(request, lead + "；".join(error_messages(model, error)))


# --- History, diff, restore --------------------------------------------------------------------------------------


def _history_type_label(code: str) -> str:
    labels = {"+": _("新建"), "~": _("修改"), "-": _("删除")}
    return labels.get(code, code)


@login_required
def item_history(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    item = get_item_for_officer(request.user, _model_for(kind), pk)
    records = list(item.history.select_related("history_user").order_by("-history_date", "-history_id"))
    versions = [
        {
            "record": record,
            "number": len(records) - index,
            "type_label": _history_type_label(record.history_type),
            "is_current": index == 0,
        }
        for index, record in enumerate(records)
    ]
    context = {**_item_context(request, item), "versions": versions}
    return render(request, "catalog/officer/item_history.html", context)


def _get_record(item: CatalogItem, history_id: int):
    record = item.history.select_related("history_user").filter(history_id=history_id).first()
    if record is None:
        raise Http404
    return record


@login_required
def item_diff(request: HttpRequest, kind: str, pk: int, history_id: int) -> HttpResponse:
    item = get_item_for_officer(request.user, _model_for(kind), pk)
    record = _get_record(item, history_id)
    previous = record.prev_record
    model = type(item)
    if previous is not None:
        changed = [change.field for change in record.diff_against(previous).changes]
    else:
        changed = [f.name for f in record.tracked_fields if f.editable and _has_value(getattr(record, f.attname))]
    order = [f.name for f in model._meta.concrete_fields]
    rows = [
        _diff_row(model, name, previous, record)
        for name in sorted(changed, key=order.index)
        if name not in NOT_DIFFED and name in order
    ]
    latest = item.history.order_by("-history_date", "-history_id").first()
    context = {
        **_item_context(request, item),
        "record": record,
        "previous": previous,
        "type_label": _history_type_label(record.history_type),
        "rows": rows,
        "is_current": latest is not None and latest.history_id == record.history_id,
    }
    return render(request, "catalog/officer/item_diff.html", context)


@require_POST
@login_required
def item_restore(request: HttpRequest, kind: str, pk: int, history_id: int) -> HttpResponse:
    item = get_item_for_officer(request.user, _model_for(kind), pk, write=True)
    record = _get_record(item, history_id)
    try:
        services.item_restore(item=item, actor=request.user, history_id=record.history_id)
    except ValidationError as error:
        _error_message(request, _("未能恢复："), type(item), error)
        return redirect(_item_url("item_diff", item, history_id=record.history_id))
    messages.success(request, _("已恢复该版本的内容，恢复操作已记为一个新版本。"))
    return redirect(_item_url("item_history", item))


# --- Readable values for the detail and diff pages ---------------------------------------------------------------


def _has_value(value: Any) -> bool:
    return value not in (None, "", [], {})


def _entry_text(field_name: str, entry: Any) -> str:
    """One entry of a JSON list as a line a person reads."""
    if not isinstance(entry, dict):
        return str(entry)
    if field_name == "legal_bases":
        details = [entry.get("issuer"), entry.get("number"), entry.get("article")]
        if entry.get("effective_date"):
            details.append(_("%(date)s起施行") % {"date": entry["effective_date"]})
        text = entry.get("title") or ""
        details = [d for d in details if d]
        if details:
            text += "（" + "；".join(details) + "）"
        if entry.get("needs_confirmation"):
            text += " " + _("【待区县核实】")
        return text
    if field_name == "materials":
        requirement = rules.MATERIAL_REQUIREMENTS.get(entry.get("requirement", ""), entry.get("requirement", ""))
        return _("%(name)s（%(requirement)s）") % {"name": entry.get("name", ""), "requirement": requirement}
    if field_name == "fields":
        text = _("%(label)s（%(type)s，%(required)s）") % {
            "label": entry.get("label", ""),
            "type": rules.FIELD_TYPES.get(entry.get("type", ""), entry.get("type", "")),
            "required": _("必填") if entry.get("required") else _("选填"),
        }
        if entry.get("help"):
            text += _("：%(help)s") % {"help": entry["help"]}
        if entry.get("example"):
            text += _("；示例：%(example)s") % {"example": entry["example"]}
        return text
    return "；".join(f"{key}: {value}" for key, value in entry.items())


def _scalar_text(model: type[CatalogItem], name: str, value: Any) -> str:
    field = model._meta.get_field(name)
    if value is None or value == "":
        return _("（空）")
    if isinstance(field, models.BooleanField):
        return _("是") if value else _("否")
    if isinstance(field, models.ForeignKey):
        region = Region.objects.filter(pk=value).first()
        return region.name if region else str(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _diff_row(model: type[CatalogItem], name: str, old_record, new_record) -> dict[str, Any]:
    field = model._meta.get_field(name)
    old = getattr(old_record, field.attname) if old_record is not None else None
    new = getattr(new_record, field.attname)
    row: dict[str, Any] = {"name": name, "label": field.verbose_name, "is_list": name in LIST_FIELDS}
    if name == "body_template":  # officers read placeholders by their names, as they typed them
        old = rules.body_with_labels(old, old_record.fields) if old_record is not None else old
        new = rules.body_with_labels(new, new_record.fields)
    if row["is_list"]:
        old_lines = [_entry_text(name, entry) for entry in old or []]
        new_lines = [_entry_text(name, entry) for entry in new or []]
        row["old"], row["new"] = _list_diff(old_lines, new_lines)
    else:
        row["old"] = _scalar_text(model, name, old) if old_record is not None else ""
        row["new"] = _scalar_text(model, name, new)
        row["multiline"] = isinstance(field, models.TextField)
        if old_record is not None:
            row["old_html"], row["new_html"] = word_diff(row["old"], row["new"])
    return row


def _list_diff(old_lines: list[str], new_lines: list[str]) -> tuple[list[dict], list[dict]]:
    """Entries aligned in order; an entry changed in place is diffed word by word, a removed or added one whole."""
    old_rows: list[dict] = []
    new_rows: list[dict] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for offset in range(max(i2 - i1, j2 - j1)):
            a = old_lines[i1 + offset] if i1 + offset < i2 else None
            b = new_lines[j1 + offset] if j1 + offset < j2 else None
            if tag == "equal":
                old_rows.append({"text": a, "changed": False})
                new_rows.append({"text": b, "changed": False})
                continue
            if a is not None and b is not None:
                old_html, new_html = word_diff(a, b)
                old_rows.append({"text": a, "changed": True, "html": old_html})
                new_rows.append({"text": b, "changed": True, "html": new_html})
            elif a is not None:
                old_rows.append({"text": a, "changed": True})
            else:
                new_rows.append({"text": b, "changed": True})
    return old_rows, new_rows
