"""The catalogs rolled up by place, for the officers' 按地区汇总 page: province → cities → counties → communities.

A province or city row counts the items made by that place and every place in it (its own lists and its counties'),
by list and state; the place's own items are a row of their own (本级). A county's rows are its communities, each
with the number of items in force for it (the nation's, the province's, the city's and the county's, for its kind
of committee), linking to its public page. Every page reads a fixed number of queries, however many places.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import Substr

from catalog.models import AppliesTo, IssuableItem, NonIssuableItem, Status
from catalog.selectors import scopes_above
from portal.models import Region
from portal.regions import PREFIX_LENGTH, CommunityKind, Level

STATES = ("published", "later", "draft", "retired")
CHILD_LEVEL = {Level.PROVINCE: Level.CITY, Level.CITY: Level.COUNTY, Level.COUNTY: Level.COMMUNITY}


def _state_filters(today: dt.date) -> dict[str, Q]:
    published = Q(status=Status.PUBLISHED)
    not_ended = Q(effective_to__isnull=True) | Q(effective_to__gte=today)
    return {
        "published": published & Q(effective_from__lte=today) & not_ended,
        "later": published & Q(effective_from__gt=today),
        "draft": Q(status=Status.DRAFT),
        "retired": published & Q(effective_to__lt=today),
    }


@dataclass
class Row:
    region: Region | None  # None: the place's own items (本级)
    name: str
    issuable: dict[str, int] = field(default_factory=dict)
    non_issuable: dict[str, int] = field(default_factory=dict)
    drill: bool = False  # a place below: its row opens its own page


@dataclass
class Rollup:
    region: Region
    child_level: str
    rows: list[Row]
    total: Row


def _counts(model, region: Region, length: int, today: dt.date) -> dict[str, dict[str, int]]:
    """{code prefix of the child place: {state: n}} for the items made within region (one query)."""
    filters = _state_filters(today)
    rows = (
        model.objects.filter(region__code__startswith=region.prefix)
        .annotate(place=Substr("region__code", 1, length))
        .values("place")
        .annotate(**{state: Count("pk", filter=filters[state]) for state in STATES})
    )
    return {row["place"]: {state: row[state] for state in STATES} for row in rows}


def _sum(rows: list[Row], attr: str) -> dict[str, int]:
    return {state: sum(getattr(row, attr).get(state, 0) for row in rows) for state in STATES}


def rollup(region: Region, *, today: dt.date) -> Rollup:
    """The rows of a province's or a city's page: its places one level below, and its own items."""
    child_level = CHILD_LEVEL[region.level]
    length = PREFIX_LENGTH[child_level]
    children = list(region.descendants(child_level).filter(retired_on__isnull=True).order_by("code"))
    issuable = _counts(IssuableItem, region, length, today)
    non_issuable = _counts(NonIssuableItem, region, length, today)
    empty = dict.fromkeys(STATES, 0)
    own_key = region.code[:length]  # the place's own items group under its own code's digits
    rows = [
        Row(
            region=None,
            name=region.name,
            issuable=issuable.get(own_key, empty),
            non_issuable=non_issuable.get(own_key, empty),
        )
    ]
    for child in children:
        key = child.code[:length]
        rows.append(
            Row(
                region=child,
                name=child.name,
                issuable=issuable.get(key, empty),
                non_issuable=non_issuable.get(key, empty),
                drill=True,
            )
        )
    total = Row(
        region=region, name=region.name, issuable=_sum(rows, "issuable"), non_issuable=_sum(rows, "non_issuable")
    )
    return Rollup(region=region, child_level=child_level, rows=rows, total=total)


@dataclass
class CommunityRow:
    community: Region
    issuable: int
    non_issuable: int


def county_communities(county: Region, *, today: dt.date) -> list[CommunityRow]:
    """Every community of a county with the number of items in force for it: the same lists bind the whole county,
    so the counts differ only by the kind of committee (three queries, plus one for the communities)."""
    in_force = IssuableItem.objects.in_force(today).filter(scopes_above(county))
    by_kind = {
        kind: in_force.filter(Q(applies_to=AppliesTo.ALL) | Q(applies_to=kind)).count()
        for kind in (CommunityKind.RESIDENTS_COMMITTEE, CommunityKind.VILLAGERS_COMMITTEE)
    }
    refused = NonIssuableItem.objects.in_force(today).filter(scopes_above(county)).count()
    communities = (
        county.descendants(Level.COMMUNITY).filter(retired_on__isnull=True).select_related("parent").order_by("code")
    )
    return [CommunityRow(c, by_kind.get(c.community_kind, 0), refused) for c in communities]
