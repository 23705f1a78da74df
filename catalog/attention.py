"""What needs an officer's attention on the dashboard (清单维护 → 等待处理), read in a fixed number of queries.

Five lists, each row linking to its item: items waiting for the province (a name near a non-issuable item, with or
without a request yet, and for a provincial officer the requests to decide), items whose basis or referral waits for
the county's confirmation (待区县核实), published items whose end date comes within ENDING_DAYS, and drafts untouched
for STALE_DRAFT_DAYS. The queries do not grow with the number of items: own items and reviews are read once, the
resolver reads the in-force items once per place, confirmations once for all higher items.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from catalog import resolver, services
from catalog.models import BasisConfirmation, CatalogItem, IssuableItem, NameReview, ReviewStatus, Status
from catalog.permissions import review_provinces
from portal.access import AnyUser, active_memberships
from portal.models import Region
from portal.roles import Role

ENDING_DAYS = 30
STALE_DRAFT_DAYS = 30


@dataclass
class Attention:
    waiting_province: list[dict] = field(default_factory=list)  # {"item", "review", "state"}
    to_decide: list[NameReview] = field(default_factory=list)  # provincial officer: requests to decide
    unconfirmed: list[dict] = field(default_factory=list)  # {"item", "kind"} in each of these
    ending: list[dict] = field(default_factory=list)
    stale_drafts: list[dict] = field(default_factory=list)

    @property
    def count(self) -> int:
        lists = (self.waiting_province, self.to_decide, self.unconfirmed, self.ending, self.stale_drafts)
        return sum(len(rows) for rows in lists)


def row(item: CatalogItem, **extra) -> dict:
    """One line of a list: the item, its kind for its URL, and what the list says about it."""
    return {"item": item, "kind": "issuable" if isinstance(item, IssuableItem) else "non-issuable", **extra}


def _province_state(item: IssuableItem, reviews: dict[int, list[NameReview]], items: list) -> dict | None:
    """The province's part in publishing this draft, as catalog.services.check_name_review decides it."""
    resolution = services.name_resolution(item, items=items)
    same_name = [r for r in reviews.get(item.pk, []) if r.name == item.name]
    latest = same_name[0] if same_name else None
    if resolution.kind != resolver.Kind.NEAR or not resolution.candidates:
        return {"review": latest, "state": "pending"} if latest and latest.status == ReviewStatus.PENDING else None
    if latest is None:
        return {"review": None, "state": "to_request"}
    if latest.status == ReviewStatus.APPROVED:
        return None
    return {"review": latest, "state": latest.status}


def officer_attention(
    user: AnyUser, *, own: dict[str, list[CatalogItem]], higher: dict[str, list[CatalogItem]], today: dt.date
) -> Attention:
    """own / higher: the officer's items and the in-force items maintained above them, by kind, already read."""
    found = Attention()
    own_items = [item for items in own.values() for item in items]
    drafts = [i for i in own_items if isinstance(i, IssuableItem) and i.status == Status.DRAFT]

    provinces = review_provinces(user)
    scope = Q(item__in=[i.pk for i in drafts])
    for province in provinces:
        scope |= Q(status=ReviewStatus.PENDING, item__region__code__startswith=province.prefix)
    reviews: dict[int, list[NameReview]] = {}
    for review in NameReview.objects.filter(scope).select_related("item__region").order_by("-requested_at", "-id"):
        reviews.setdefault(review.item_id, []).append(review)
        if review.status == ReviewStatus.PENDING and provinces:
            found.to_decide.append(review)

    binding: dict[int | None, list] = {}
    for item in drafts:
        if item.region_id not in binding:
            binding[item.region_id] = resolver.items_binding(item.region)
        state = _province_state(item, reviews, binding[item.region_id])
        if state is not None:
            found.waiting_province.append(row(item, **state))

    ending_by = today + dt.timedelta(days=ENDING_DAYS)
    stale_before = timezone.now() - dt.timedelta(days=STALE_DRAFT_DAYS)
    for item in own_items:
        ended = item.effective_to is not None and item.effective_to < today
        if services.flagged(item) and not ended:
            found.unconfirmed.append(row(item))
        if item.status == Status.PUBLISHED and item.effective_to and today <= item.effective_to <= ending_by:
            found.ending.append(row(item))
        if item.status == Status.DRAFT and item.updated_at < stale_before:
            found.stale_drafts.append(row(item))
    found.ending.sort(key=lambda r: r["item"].effective_to)
    found.stale_drafts.sort(key=lambda r: r["item"].updated_at)
    found.unconfirmed.extend(_unconfirmed_above(user, [i for items in higher.values() for i in items]))
    return found


def _unconfirmed_above(user: AnyUser, items: list[CatalogItem]) -> list[dict]:
    """Higher items with a flag that the officer's county has not confirmed yet (one query for all of them)."""
    counties = [m.region for m in active_memberships(user) if m.role == Role.COUNTY_OFFICER]
    flagged = [i for i in items if services.flagged(i)]
    if not counties or not flagged:
        return []
    done = {
        (row["issuable_id"] or row["non_issuable_id"], bool(row["issuable_id"]), row["region_id"])
        for row in BasisConfirmation.objects.filter(region__in=counties).values(
            "issuable_id", "non_issuable_id", "region_id"
        )
    }
    result = []
    for item in flagged:
        county = _binding_county(counties, item)
        if county is not None and (item.pk, isinstance(item, IssuableItem), county.pk) not in done:
            result.append(row(item))
    return result


def _binding_county(counties: list[Region], item: CatalogItem) -> Region | None:
    """As catalog.services.confirmation_region decides for an item maintained above the officer."""
    return next((c for c in counties if c.prefix.startswith(item.scope_prefix)), None)
