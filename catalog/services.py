"""Writes to the catalogs. Each one validates the whole item, saves it, and leaves a version with who and why.

States of an item: draft → published → (retired: published with an end date in the past). A published item is
never deleted; a draft may be discarded.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import CatalogItem, Status
from portal.models import User

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
    return item.status == Status.DRAFT


def _save(item: CatalogItem, actor: User, reason: str) -> CatalogItem:
    item.full_clean()
    item._history_user = actor
    item._change_reason = reason
    item.save()
    return item


@transaction.atomic
def item_save(*, item: CatalogItem, actor: User, reason: str = "") -> CatalogItem:
    """Create or edit an item. An edit of a published item takes effect at once and is kept as a version."""
    return _save(item, actor, reason or (_("修改") if item.pk else _("新建")))


def _locked(item: CatalogItem) -> CatalogItem:
    return type(item).objects.select_for_update().get(pk=item.pk)


@transaction.atomic
def item_publish(*, item: CatalogItem, actor: User) -> CatalogItem:
    item = _locked(item)
    if not is_publishable(item):
        raise ValidationError(_("该事项已经发布。"))
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
    if not is_discardable(item):
        raise ValidationError(_("已发布的事项不能删除，只能设置截止日期予以废止。"))
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
    for name in restored:
        setattr(item, name, getattr(record, name))
    return _save(
        item,
        actor,
        _("恢复到 %(when)s 的版本") % {"when": timezone.localtime(record.history_date).strftime("%Y-%m-%d %H:%M")},
    )
