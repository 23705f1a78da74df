"""Writes to the catalogs. Each one validates the whole item, saves it, and leaves a version with who and why.

States of an item: draft → published → (retired: published with an end date in the past). A published item is
never deleted; a draft may be discarded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import noticeboards, resolver, rules
from catalog.models import (
    BasisConfirmation,
    CatalogItem,
    CertificateConcept,
    IssuableItem,
    LiabilityPhrase,
    NameReview,
    NonIssuableItem,
    ReviewStatus,
    Status,
)
from portal.models import Region, User

# Fields a restore copies back; status and dates stay as they are, so a restore never silently (un)publishes.
NOT_RESTORED = {
    "id",
    "status",
    "effective_from",
    "effective_to",
    "created_at",
    "updated_at",
    "code",
    "scope",
    "region_id",
}


# Which moves an item's state allows. The services below refuse any other move; catalog/permissions.py combines
# these with the officer's right to decide which buttons to show.
def is_publishable(item: CatalogItem) -> bool:
    return item.status == Status.DRAFT


def is_retirable(item: CatalogItem) -> bool:
    return item.status == Status.PUBLISHED and not item.is_retired


def is_discardable(item: CatalogItem) -> bool:
    return item.status == Status.DRAFT and not has_decisions(item)


def has_decisions(item: CatalogItem) -> bool:
    """A province's review or a county's confirmation is a record: the draft it was made on is kept with it."""
    if not item.pk:
        return False
    reviews = item.name_reviews.exists() if isinstance(item, IssuableItem) else False
    return reviews or item.confirmations.exists()


def _save(item: CatalogItem, actor: User, reason: str) -> CatalogItem:
    item.full_clean()
    item._history_user = actor
    item._change_reason = reason
    item.save()
    # A published item changed (published, retired, edited, restored): the boards of the communities it binds are
    # rendered after commit, so the first resident who opens one gets the stored file. A draft changes no board.
    noticeboards.prerender_on_commit(item)
    return item


@transaction.atomic
def item_save(*, item: CatalogItem, actor: User, reason: str = "") -> CatalogItem:
    """Create or edit an item. An edit of a published item takes effect at once and is kept as a version, so it
    passes the publishing rules again (a renamed item needs the province's review again)."""
    before = type(item).objects.filter(pk=item.pk).first() if item.pk else None
    if isinstance(item, IssuableItem):
        derive_field_codes(item, before)
    flags = [lambda: check_confirmation_flags_kept(item, before), lambda: check_change_reason(item, reason)]
    if isinstance(item, IssuableItem):
        flags.append(lambda: rules.check_labels_unique(item.fields))
    if before is not None and before.status == Status.PUBLISHED:
        check_meaning(item, review=item.name != before.name, extra=tuple(flags))
    else:
        rules.collect(*flags)
    return _save(item, actor, reason.strip() or _("新建"))


def check_change_reason(item: CatalogItem, reason: str) -> None:
    """Every edit says why: the reason is the version's note in the history (a new item is simply 新建)."""
    if item.pk and not (reason or "").strip():
        raise ValidationError({"change_reason": _("请写明修改原因，它会记入版本记录。")})


def derive_field_codes(item: IssuableItem, before: IssuableItem | None) -> None:
    """Officers give fields Chinese labels only: new fields get a code (f1, f2, … never one the item used before) and
    the body's {label} placeholders are stored as {code}, so renaming a label never breaks the body or old requests."""
    used = {f.get("name") for f in (before.fields if before else []) if f.get("name")}
    for record in item.history.all() if item.pk else []:
        used |= {f.get("name") for f in record.fields or [] if f.get("name")}
    item.fields = rules.assign_field_codes(item.fields or [], used=used)
    item.body_template = rules.body_with_codes(item.body_template, item.fields)


def _locked(item: CatalogItem) -> CatalogItem:
    return type(item).objects.select_for_update().get(pk=item.pk)


@transaction.atomic
def item_publish(*, item: CatalogItem, actor: User) -> CatalogItem:
    item = _locked(item)
    if not is_publishable(item):
        raise ValidationError(_("该事项已经发布。"))
    check_meaning(item, review=True, extra=(lambda: rules.check_bases_confirmed(item),))
    item.status = Status.PUBLISHED
    if item.effective_from < timezone.localdate():
        item.effective_from = timezone.localdate()
    return _save(item, actor, _("发布"))


@transaction.atomic
def item_retire(*, item: CatalogItem, actor: User, end_date: dt.date, reason: str) -> CatalogItem:
    item = _locked(item)
    if item.status != Status.PUBLISHED:
        raise ValidationError(_("只有已发布的事项需要废止；草稿可以直接删除。"))
    if not is_retirable(item):
        raise ValidationError(_("该事项已经废止。"))
    if not reason.strip():
        raise ValidationError(_("请写明废止理由。"))
    if end_date < item.effective_from:
        raise ValidationError(_("截止日期不能早于生效日期。"))
    item.effective_to = end_date
    return _save(item, actor, _("废止：%(reason)s") % {"reason": reason.strip()})


@transaction.atomic
def item_discard_draft(*, item: CatalogItem, actor: User) -> None:
    item = _locked(item)
    if item.status != Status.DRAFT:
        raise ValidationError(_("已发布的事项不能删除，只能设置截止日期予以废止。"))
    if has_decisions(item):
        raise ValidationError(_("该草稿已有省级审核或依据核实记录，不能删除；可以修改后发布。"))
    item._history_user = actor
    item._change_reason = _("删除草稿")
    item.delete()


@transaction.atomic
def item_restore(*, item: CatalogItem, actor: User, history_id: int) -> CatalogItem:
    """Copy an earlier version's content onto the item. The restore is itself a new version."""
    item = _locked(item)
    record = item.history.filter(history_id=history_id).first()
    if record is None:
        raise ValidationError(_("找不到要恢复的版本。"))
    restored = [f.attname for f in item._meta.concrete_fields if f.attname not in NOT_RESTORED]
    if all(getattr(item, name) == getattr(record, name) for name in restored):
        # Nothing would change: no empty version in the history.
        raise ValidationError(_("所选版本的内容与当前内容相同，无需恢复。"))
    before = type(item).objects.get(pk=item.pk)
    for name in restored:
        setattr(item, name, getattr(record, name))
    if item.status == Status.PUBLISHED:
        # A restored name or body passes the publishing rules like an edit.
        check_meaning(item, review=item.name != before.name)
    return _save(
        item,
        actor,
        _("恢复到 %(when)s 的版本") % {"when": timezone.localtime(record.history_date).strftime("%Y-%m-%d %H:%M")},
    )


# --- Names near a non-issuable item, bodies that certify one (catalog/resolver.py) --------------------------------


class NameReviewRequired(ValidationError):
    """Publishing waits for a provincial officer: the name is near a non-issuable item. `resolution` says which."""

    def __init__(self, message: str, *, resolution: resolver.Resolution, review: NameReview | None) -> None:
        super().__init__({"name": message})
        self.resolution = resolution
        self.review = review


def _binding_non_issuable(item: CatalogItem, items: list) -> list:
    """Non-issuable items of the same or a higher level than item (the nation's bind everyone)."""
    return [o for o in items if isinstance(o, NonIssuableItem) and item.scope_prefix.startswith(o.scope_prefix)]


def name_resolution(item: IssuableItem, *, items: list | None = None) -> resolver.Resolution:
    """How the resolver reads an issuable item's name, against the non-issuable items that bind its place (`items`:
    resolver.items_binding(item.region), when the caller already read them)."""
    resolution = resolver.resolve(item.name, region=item.region if item.region_id else None, items=items)
    non_issuable = _binding_non_issuable(item, resolution.non_issuable)
    candidates = _binding_non_issuable(item, resolution.candidates)
    return replace(resolution, non_issuable=non_issuable, candidates=candidates)


def latest_review(item: IssuableItem) -> NameReview | None:
    return item.name_reviews.filter(name=item.name).select_related("requested_by", "decided_by").first()


def describe_items(items: list) -> str:
    return "、".join(
        _("“%(name)s”（%(code)s，%(place)s）") % {"name": i.name, "code": i.code, "place": rules.item_place(i)}
        for i in items[:3]
    )


def check_issuable_name_and_body(item: IssuableItem) -> None:
    """The publishing rules that read meaning: the name is not a non-issuable item (exactly or as a concept) and the
    body does not certify one."""
    resolution = name_resolution(item)
    region = item.region if item.region_id else None
    found = resolver.body_concepts(item.body_template, region=region)
    binding = _binding_non_issuable(item, [i for _k, i in found])
    rules.collect(
        lambda: rules.check_not_non_issuable(name=item.name, resolution=resolution),
        lambda: rules.check_body_concepts([(k, i) for k, i in found if i in binding]),
    )


def check_name_review(item: IssuableItem) -> None:
    """A name near a non-issuable item is published only with the province's approval of that name."""
    resolution = name_resolution(item)
    if resolution.kind != resolver.Kind.NEAR or not resolution.candidates:
        return
    found = latest_review(item) if item.pk else None
    if found is not None and found.status == ReviewStatus.APPROVED:
        return
    message = _("“%(name)s”与不予出具事项%(items)s相近（相似度 %(score)s），须经省级民政部门审核同意后才能发布。") % {
        "name": item.name,
        "items": describe_items(resolution.candidates),
        "score": int(resolution.score),
    }
    if found is not None and found.status == ReviewStatus.PENDING:
        message += _("已提请省级审核，正在等待审核。")
    elif found is not None and found.status == ReviewStatus.REFUSED:
        message += _("省级民政部门不同意发布：%(note)s") % {"note": found.decision_note}
    raise NameReviewRequired(message, resolution=resolution, review=found)


def check_meaning(item: CatalogItem, *, review: bool, extra: tuple = ()) -> None:
    """All rules at once (each message on its field); the province's review only when everything else holds, so that
    a NameReviewRequired always means 'only the review is missing'."""
    checks = list(extra)
    if isinstance(item, IssuableItem):
        checks.append(lambda: check_issuable_name_and_body(item))
    rules.collect(*checks)
    if review and isinstance(item, IssuableItem):
        check_name_review(item)


def review_state(item: CatalogItem) -> dict:
    """What the item page and the dashboard say about the province's review: needed?, the latest review."""
    if not isinstance(item, IssuableItem):
        return {"needed": False, "review": None}
    try:
        check_name_review(item)
    except NameReviewRequired as error:
        return {"needed": True, "review": error.review, "resolution": error.resolution}
    return {"needed": False, "review": latest_review(item)}


@transaction.atomic
def name_review_request(*, item: IssuableItem, actor: User, note: str) -> NameReview:
    """The county asks the province to review a name near a non-issuable item, saying why it may be issued."""
    item = _locked(item)
    if not note.strip():
        raise ValidationError({"request_note": _("请说明为什么该事项可以由社区出具（例如依据和适用范围）。")})
    resolution = name_resolution(item)
    if resolution.kind != resolver.Kind.NEAR or not resolution.candidates:
        raise ValidationError(_("该事项名称与不予出具事项并不相近，无需省级审核。"))
    found = latest_review(item)
    if found is not None and found.status in (ReviewStatus.PENDING, ReviewStatus.APPROVED):
        raise ValidationError(_("该名称已经提请过省级审核。"))
    other = item.name_reviews.filter(status=ReviewStatus.PENDING).first()
    if other is not None:  # one open request per item: the province decides on it first
        raise ValidationError(
            _("该事项原名称“%(name)s”的省级审核尚未完成，请等省级审核后再提请。") % {"name": other.name}
        )
    return NameReview.objects.create(
        item=item,
        name=item.name,
        resembles=[
            {"code": i.code, "name": i.name, "place": str(rules.item_place(i))} for i in resolution.candidates[:5]
        ],
        score=int(resolution.score),
        request_note=note.strip(),
        requested_by=actor,
    )


@transaction.atomic
def name_review_decide(*, review: NameReview, actor: User, approve: bool, note: str) -> NameReview:
    """The province approves or refuses; a refusal says why. Decided once: a new request is a new row."""
    review = NameReview.objects.select_for_update().get(pk=review.pk)
    if review.status != ReviewStatus.PENDING:
        raise ValidationError(_("该审核已经处理。"))
    if not approve and not note.strip():
        raise ValidationError({"decision_note": _("不同意发布时请写明理由，区县据此修改。")})
    review.status = ReviewStatus.APPROVED if approve else ReviewStatus.REFUSED
    review.decided_by = actor
    review.decided_at = timezone.now()
    review.decision_note = note.strip()
    review._history_user = actor
    review.save()
    return review


# --- Confirmation of unconfirmed bases (待区县核实) --------------------------------------------------------------


def flagged(item: CatalogItem) -> list[str]:
    """What on an item still waits for confirmation: basis titles, or the referral of a non-issuable item."""
    if isinstance(item, IssuableItem):
        return [b.get("title", "") for b in item.legal_bases if b.get("needs_confirmation")]
    return [item.alternative_department] if item.needs_confirmation else []


def check_confirmation_flags_kept(item: CatalogItem, before: CatalogItem | None) -> None:
    """A flag is cleared only by a recorded confirmation (basis_confirm), never by unticking it in the form."""
    if before is None:
        return
    if isinstance(item, IssuableItem):
        was = {b.get("title") for b in before.legal_bases if b.get("needs_confirmation")}
        now_present = {b.get("title") for b in item.legal_bases}
        still = {b.get("title") for b in item.legal_bases if b.get("needs_confirmation")}
        if (was & now_present) - still:
            raise ValidationError(
                {"legal_bases": _("依据的“待区县核实”标注不能直接取消，请保存后在事项页面点击“确认依据”记录核实。")}
            )
    elif before.needs_confirmation and not item.needs_confirmation:
        raise ValidationError(
            {"needs_confirmation": _("“办理途径待核实”不能直接取消，请保存后在事项页面点击“确认依据”记录核实。")}
        )


def confirmation_region(user: User, item: CatalogItem) -> Region | None:
    """Where a confirmation holds: the item's own place for its maintainer; for an item of a higher level, the county of
    a county officer it binds."""
    from catalog.permissions import can_edit_item
    from portal.access import active_memberships
    from portal.roles import Role

    if can_edit_item(user, item):
        return item.region
    for m in active_memberships(user):
        if m.role == Role.COUNTY_OFFICER and rules.regions_overlap(item.scope_prefix, m.region.prefix):
            if m.region.prefix.startswith(item.scope_prefix):
                return m.region
    return None


def is_confirmed_for(item: CatalogItem, region: Region) -> bool:
    if not flagged(item):
        return True
    key = {"issuable": item} if isinstance(item, IssuableItem) else {"non_issuable": item}
    return BasisConfirmation.objects.filter(region=region, **key).exists()


@transaction.atomic
def basis_confirm(*, item: CatalogItem, actor: User, note: str) -> BasisConfirmation:
    """Record that the flagged bases (or referral) were checked: who, when, what, why. On the officer's own item the
    flags are cleared in the same step, which is a new version of the item."""
    item = _locked(item)
    region = confirmation_region(actor, item)
    if region is None:
        raise ValidationError(_("只有维护该事项或受其约束的区县民政干部可以确认依据。"))
    what = flagged(item)
    if not what:
        raise ValidationError(_("该事项没有需要核实的依据。"))
    if not note.strip():
        raise ValidationError({"note": _("请写明核实情况，例如核对的文件、文号和条款。")})
    if region.pk != item.region_id and is_confirmed_for(item, region):
        raise ValidationError(_("本地方已经确认过该事项。"))
    key = {"issuable": item} if isinstance(item, IssuableItem) else {"non_issuable": item}
    record = BasisConfirmation.objects.create(
        region=region, confirmed=what, note=note.strip(), confirmed_by=actor, **key
    )
    if item.region_id and region.pk == item.region_id:
        if isinstance(item, IssuableItem):
            item.legal_bases = [{**b, "needs_confirmation": False} for b in item.legal_bases]
        else:
            item.needs_confirmation = False
        _save(item, actor, _("确认依据：%(note)s") % {"note": note.strip()})
    return record


# --- The vocabulary: concepts and liability phrases ---------------------------------------------------------------


def _save_versioned(obj, actor: User, reason: str):
    obj.full_clean()
    obj._history_user = actor
    obj._change_reason = reason
    obj.save()
    return obj


@transaction.atomic
def concept_save(*, concept: CertificateConcept, actor: User, reason: str = "") -> CertificateConcept:
    """Create or edit a concept (its names, body keywords, item codes); every change is a version with who and why."""
    concept.names = list(dict.fromkeys(n.strip() for n in concept.names if n.strip()))
    concept.body_keywords = list(dict.fromkeys(k.strip() for k in concept.body_keywords if k.strip()))
    concept.item_codes = list(dict.fromkeys(c.strip() for c in concept.item_codes if c.strip()))
    return _save_versioned(concept, actor, reason or (_("修改") if concept.pk else _("新建")))


@transaction.atomic
def phrase_save(*, phrase: LiabilityPhrase, actor: User, reason: str = "") -> LiabilityPhrase:
    """Create or edit a liability phrase. Phrases are switched off, never deleted, so their history stays."""
    phrase.phrase = phrase.phrase.strip()
    return _save_versioned(phrase, actor, reason or (_("修改") if phrase.pk else _("新建")))
