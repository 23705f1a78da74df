"""Reads of the catalogs: a community's effective catalog, search, and an officer's own items."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from catalog.models import AppliesTo, IssuableItem, NonIssuableItem, Scope
from portal.models import Region


def _scopes_above(region: Region) -> Q:
    """Items of the nation and of every place that contains region (region itself included)."""
    places = [region.pk, *(r.pk for r in region.ancestors())]
    return Q(scope=Scope.NATIONAL) | Q(region_id__in=places)


def effective_issuable_items(
    community: Region, *, search: str = "", on: dt.date | None = None
) -> QuerySet[IssuableItem]:
    qs = IssuableItem.objects.in_force(on).filter(_scopes_above(community))
    qs = qs.filter(Q(applies_to=AppliesTo.ALL) | Q(applies_to=community.community_kind))
    return _search(qs, search).select_related("region")


def effective_non_issuable_items(
    community: Region, *, search: str = "", on: dt.date | None = None
) -> QuerySet[NonIssuableItem]:
    qs = NonIssuableItem.objects.in_force(on).filter(_scopes_above(community))
    return _search(qs, search).select_related("region")


def _search(qs: QuerySet, search: str) -> QuerySet:
    search = (search or "").strip()
    if not search:
        return qs
    condition = Q(name__icontains=search) | Q(code__icontains=search)
    if qs.model is NonIssuableItem:
        condition |= Q(alternative_department__icontains=search) | Q(alternative_channel__icontains=search)
    return qs.filter(condition)


def items_for_officer(model: type, regions: list[Region]) -> QuerySet:
    """The items an officer maintains: those owned by the places they may edit, drafts included."""
    return model.objects.filter(region__in=regions).select_related("region").order_by("status", "code")
