"""Who may see and change catalog items in the officers' interface. Public pages need no permission."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from catalog.models import CatalogItem, Status
from catalog.rules import regions_overlap
from catalog.services import is_discardable, is_publishable, is_retirable
from portal.access import AnyUser, editable_catalog_regions, officer_regions
from portal.errors import Forbidden
from portal.models import Region


def can_view_item(user: AnyUser, item: CatalogItem) -> bool:
    """Officers see the items that bind their place (of their place, above it, and for a provincial officer below
    it); a draft only by those who may edit it."""
    if item.status == Status.DRAFT and not can_edit_item(user, item):
        return False
    return any(regions_overlap(item.scope_prefix, r.prefix) for r in officer_regions(user))


def can_edit_region_catalog(user: AnyUser, region: Region | None) -> bool:
    return region is not None and any(r.pk == region.pk for r in editable_catalog_regions(user))


def can_create_items(user: AnyUser) -> bool:
    """True when the user maintains at least one place's catalog (the create pages and buttons)."""
    return bool(editable_catalog_regions(user))


def can_edit_item(user: AnyUser, item: CatalogItem) -> bool:
    return can_edit_region_catalog(user, item.region if item.region_id else None)


def can_publish_item(user: AnyUser, item: CatalogItem) -> bool:
    return can_edit_item(user, item) and is_publishable(item)


def can_retire_item(user: AnyUser, item: CatalogItem) -> bool:
    return can_edit_item(user, item) and is_retirable(item)


def can_discard_item(user: AnyUser, item: CatalogItem) -> bool:
    return can_edit_item(user, item) and is_discardable(item)


def can_restore_item(user: AnyUser, item: CatalogItem) -> bool:
    return can_edit_item(user, item)


def get_item_for_officer(user: AnyUser, model: type[CatalogItem], pk: int, *, write: bool = False) -> CatalogItem:
    """404 when the item does not exist or is not this officer's to see; 403 when seen but not editable."""
    item = model.objects.select_related("region").filter(pk=pk).first()
    if item is None or not can_view_item(user, item):
        raise Http404
    if write and not can_edit_item(user, item):
        raise Forbidden(_("您只能修改本地方制定的清单事项；上级清单由上级部门维护。"))
    return item


# --- The vocabulary and the decisions recorded on items ------------------------------------------------------------


def can_maintain_vocabulary(user: AnyUser) -> bool:
    """Concepts, synonyms and liability phrases bind every county of the province: provincial officers maintain them
    (county officers read them)."""
    from portal.access import has_role
    from portal.roles import Role

    return has_role(user, Role.PROVINCIAL_OFFICER)


def review_provinces(user: AnyUser) -> list[Region]:
    from portal.access import regions_with_role
    from portal.roles import Role

    return regions_with_role(user, Role.PROVINCIAL_OFFICER)


def can_decide_review(user: AnyUser, review) -> bool:
    from catalog.models import ReviewStatus

    item = review.item
    return review.status == ReviewStatus.PENDING and any(
        item.scope_prefix.startswith(p.prefix) for p in review_provinces(user)
    )


def can_request_review(user: AnyUser, item: CatalogItem, state: dict) -> bool:
    from catalog.models import ReviewStatus

    review = state.get("review")
    return (
        can_edit_item(user, item) and state.get("needed") and (review is None or review.status == ReviewStatus.REFUSED)
    )


def can_confirm_item(user: AnyUser, item: CatalogItem) -> bool:
    from catalog.services import confirmation_region, flagged, is_confirmed_for

    if not flagged(item):
        return False
    region = confirmation_region(user, item)
    return region is not None and not (region.pk != item.region_id and is_confirmed_for(item, region))
