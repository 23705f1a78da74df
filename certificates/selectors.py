"""Reads across requests for oversight."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q

from certificates.models import RefusalNotice, RequestingBasis, RequestingBody
from portal.models import Region
from portal.regions import Level

# Above this many communities a scope is written through the region join rather than as a list of community ids.
SCOPE_BY_ID_MAX = 3000


def community_ids(regions) -> list[int]:
    """The ids of every community in these places (one query)."""
    scope = Q(pk__in=[])
    for region in regions:
        scope |= Q(code__startswith=region.prefix)
    return list(Region.objects.filter(scope, level=Level.COMMUNITY).values_list("pk", flat=True))


def community_scope(regions, field: str = "community", *, ids: list[int] | None = None) -> Q:
    """Rows whose community (the foreign key `field`) lies in one of these places.

    By the communities' ids, which the (community, status) index finds: a county is 2-3% of a province's million
    requests, and filtering on the region join's `code LIKE '610113%'` made PostgreSQL read every request instead.
    A large area (a city, the province) reads most of the table anyway and is filtered through the join."""
    ids = community_ids(regions) if ids is None else ids
    if len(ids) <= SCOPE_BY_ID_MAX:
        return Q(**{f"{field}__any_of": ids})  # one array parameter (portal/lookups.py)
    scope = Q(pk__in=[])
    for region in regions:
        scope |= Q(**{f"{field}__code__startswith": region.prefix})
    return scope


def refusal_counts(scope: Q, year: int, *, limit: int = 20) -> dict[str, list[dict]]:
    """Refusal-and-referral notices of a year, counted by non-issuable item and by requesting body: which abolished
    certificates are still being demanded, and by whom. `scope` filters on the notice's community.

    Only numbered notices count: those taken by a signed-in resident or issued at the counter. Anonymous notices from
    before that rule (neither a resident nor an issuer) and the unnumbered guide (never stored) are not demand."""
    notices = RefusalNotice.objects.filter(scope, year=year).filter(
        Q(resident__isnull=False) | Q(issued_by__isnull=False)
    )
    by_item = list(
        notices.values("item__code", "item__name").annotate(n=Count("id")).order_by("-n", "item__code")[:limit]
    )
    by_body = list(
        notices.exclude(requesting_body="")
        .values("requesting_body")
        .annotate(n=Count("id"))
        .order_by("-n", "requesting_body")[:limit]
    )
    return {"by_item": by_item, "by_concept": _by_concept(notices, limit), "by_body": by_body, "total": notices.count()}


def _by_concept(notices, limit: int) -> list[dict]:
    """The same counts grouped by what was asked for (catalog/resolver.py concepts): a county's own non-issuable item
    and the national one for the same certificate count together."""
    from types import SimpleNamespace

    from catalog import resolver

    entries = resolver.concepts()
    groups: dict[str, dict] = {}
    for row in notices.values("item__code", "item__name").annotate(n=Count("id")):
        item = SimpleNamespace(code=row["item__code"], name=row["item__name"])
        concept = resolver.concept_of_item(item, entries)
        key = concept.name if concept else row["item__name"]
        group = groups.setdefault(key, {"concept": key, "items": [], "n": 0})
        group["items"].append(row["item__name"])
        group["n"] += row["n"]
    return sorted(groups.values(), key=lambda g: (-g["n"], g["concept"]))[:limit]


def requesting_bodies_for(community, item=None) -> list[tuple[RequestingBody, str]]:
    """The county's registry of requesting bodies for a community's form: (body, its basis for item or "")."""
    from certificates.workflow import county_code

    bodies = RequestingBody.objects.filter(county__code=county_code(community), active=True).order_by("name", "id")
    if item is None:
        return [(body, "") for body in bodies]
    bodies = bodies.prefetch_related(
        Prefetch("bases", queryset=RequestingBasis.objects.filter(item=item, active=True), to_attr="item_bases")
    )
    return [(body, body.item_bases[0].basis if body.item_bases else "") for body in bodies]


def requesting_body_counts(scope: Q, states, *, limit: int = 20) -> list[dict]:
    """Requests by requesting body (counted states only), with the registry row when there is one."""
    from certificates.models import CertificateRequest

    return list(
        CertificateRequest.objects.filter(scope, status__in=states)
        .values("requesting_body", "requesting_body_ref_id")
        .annotate(n=Count("id"))
        .order_by("-n", "requesting_body")[:limit]
    )
