"""Reads of the catalogs: a community's effective catalog, search, an officer's own items, and the public list of
communities (公开公示)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from catalog.models import AppliesTo, IssuableItem, NonIssuableItem, Scope
from portal.models import Region
from portal.regions import Level


def scopes_above(region: Region) -> Q:
    """Items of the nation and of every place that contains region (region itself included)."""
    places = [region.pk, *(r.pk for r in region.ancestors())]
    return Q(scope=Scope.NATIONAL) | Q(region_id__in=places)


_scopes_above = scopes_above


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


def upcoming_items(community: Region, *, on: dt.date | None = None) -> list:
    """Published items that bind the community only from a later date, soonest first. Public pages and the notice
    board announce them with that date (自2026年12月1日起), never as if in force now."""
    from django.utils import timezone

    from catalog.models import Status

    on = on or timezone.localdate()
    later = Q(status=Status.PUBLISHED, effective_from__gt=on) & _scopes_above(community)
    issuable = IssuableItem.objects.filter(later).filter(
        Q(applies_to=AppliesTo.ALL) | Q(applies_to=community.community_kind)
    )
    found = [*issuable.select_related("region"), *NonIssuableItem.objects.filter(later).select_related("region")]
    for item in found:
        item.is_issuable = isinstance(item, IssuableItem)
    return sorted(found, key=lambda item: (item.effective_from, item.code))


def _search(qs: QuerySet, search: str) -> QuerySet:
    """Search by meaning, not spelling (catalog/resolver.py): punctuation, brackets, full-width and traditional
    characters never matter, and a concept's other names find its items ('在世' finds 健在证明, '租房' finds
    居（租）住证明). Codes match as typed; a non-issuable item also by where residents go instead."""
    from catalog.resolver import search_query

    search = (search or "").strip()
    if not search:
        return qs
    query = search_query(search)
    needle = search.casefold()
    fields = ["pk", "code", "name"]
    if qs.model is NonIssuableItem:
        fields += ["alternative_department", "alternative_channel"]
    # A community's catalog is a few dozen items: comparing them in Python is cheap and exact (one query).
    found = {
        row["pk"]
        for row in qs.values(*fields)
        if query.matches(_Named(row["code"], row["name"]))
        or any(needle in (row[name] or "").casefold() for name in fields[1:] if name != "name")
    }
    return qs.filter(pk__in=found)


class _Named:
    """What the resolver needs of an item: its code and name."""

    __slots__ = ("code", "name")

    def __init__(self, code: str, name: str) -> None:
        self.code, self.name = code, name


def items_named(search: str, *, limit: int = 12) -> tuple[list[IssuableItem], list[NonIssuableItem]]:
    """Items in force anywhere whose name answers a search (by meaning, as on a community's page), one per name:
    (issuable, non-issuable). The home page's search finds certificates as well as places with this."""
    search = (search or "").strip()
    if not search:
        return [], []
    found: list[list] = []
    for model in (IssuableItem, NonIssuableItem):
        seen: dict[str, object] = {}
        for item in _search(model.objects.in_force(), search).select_related("region").order_by("scope", "code"):
            seen.setdefault(item.name, item)  # many places list the same item: the widest scope stands for it
        found.append(list(seen.values())[:limit])
    return found[0], found[1]


def items_for_officer(model: type, regions: list[Region]) -> QuerySet:
    """The items an officer maintains: those owned by the places they may edit, drafts included."""
    return model.objects.filter(region__in=regions).select_related("region").order_by("status", "code")


# Public disclosure (公开公示): the places a visitor browses. A community row carries its street, county and city
# (select_related), so grouping by county and street and `full_name()` cost no further queries.
_COMMUNITY_CHAIN = ("parent__parent__parent__parent",)
# The list of communities shows each one's street, county and city, never the province: a fourth joined level would
# only add 100 Region objects per page (about a fifth of the page's time).
_LIST_CHAIN = ("parent__parent__parent",)


def public_counties() -> QuerySet[Region]:
    """All counties, with their city, for the list page's filter."""
    return Region.objects.filter(level=Level.COUNTY).select_related("parent").order_by("code")


def public_communities(*, search: str = "", county_code: str = "") -> QuerySet[Region]:
    """Residents' and villagers' committees, ordered by code (so by county, then street), optionally narrowed to
    one county and to a name; the search matches the community's or its street's name. Each carries its street,
    county and city (not the province)."""
    qs = Region.objects.filter(level=Level.COMMUNITY).select_related(*_LIST_CHAIN).order_by("code")
    if county_code:
        qs = qs.filter(parent__parent__code=county_code, parent__parent__level=Level.COUNTY)
    search = (search or "").strip()
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(parent__name__icontains=search) | Q(code=search))
    return qs


def public_community(code: str) -> Region | None:
    """One community by its 12-digit code, with its chain of places loaded; None for any other code or level."""
    return Region.objects.filter(level=Level.COMMUNITY, code=code).select_related(*_COMMUNITY_CHAIN).first()


def items_maintained_above(model: type, *, own_places: list[Region], officer_places: list[Region]) -> QuerySet:
    """Items in force that bind an officer's places but are maintained above them: the nation's and those of the
    places containing the officer's own (a county officer sees the province's and the city's)."""
    own = {r.pk for r in own_places}
    above = {a.pk for r in officer_places for a in r.ancestors()} - own
    return (
        model.objects.in_force()
        .filter(Q(scope=Scope.NATIONAL) | Q(region_id__in=above))
        .select_related("region")
        .order_by("code")
    )


def catalog_version() -> str:
    """Changes whenever any catalog item changes: the latest edit time of either catalog and the item counts."""
    from django.db.models import Count, Max

    parts = []
    for model in (IssuableItem, NonIssuableItem):
        agg = model.objects.aggregate(latest=Max("updated_at"), n=Count("id"))
        parts.append(f"{agg['latest'].timestamp() if agg['latest'] else 0}-{agg['n']}")
    return "/".join(parts)


def exception_items(
    community: Region, items: list[NonIssuableItem], issuable: list[IssuableItem] | None = None
) -> dict[int, IssuableItem]:
    """For non-issuable items with an exception, the community's issuable item that covers it: named as the
    non-issuable item followed by the case in brackets (婚姻状况证明 → 婚姻状况证明（婚姻登记档案遗失时）), the
    catalogue's own way of listing an exception as an issuable item. Keyed by the non-issuable item's pk.
    (Derived from the names: the catalog has no explicit link yet; an officer-set link would replace this.)"""
    with_exception = [item for item in items if item.exception]
    if not with_exception:
        return {}
    if issuable is None:  # else: the community's issuable items, already read by the caller
        query = Q()
        for item in with_exception:
            query |= Q(name__startswith=f"{item.name}（")
        issuable = list(effective_issuable_items(community).filter(query))
    found: dict[int, IssuableItem] = {}
    for item in with_exception:
        match = next((i for i in issuable if i.name.startswith(f"{item.name}（")), None)
        if match is not None:
            found[item.pk] = match
    return found
