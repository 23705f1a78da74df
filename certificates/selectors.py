"""Reads across requests for oversight."""

from __future__ import annotations

from django.db.models import Count, Q

from certificates.models import RefusalNotice


def refusal_counts(scope: Q, year: int, *, limit: int = 20) -> dict[str, list[dict]]:
    """Refusal-and-referral notices of a year, counted by non-issuable item and by requesting body: which abolished
    certificates are still being demanded, and by whom. `scope` filters on the notice's community."""
    notices = RefusalNotice.objects.filter(scope, year=year)
    by_item = list(
        notices.values("item__code", "item__name").annotate(n=Count("id")).order_by("-n", "item__code")[:limit]
    )
    by_body = list(
        notices.exclude(requesting_body="")
        .values("requesting_body")
        .annotate(n=Count("id"))
        .order_by("-n", "requesting_body")[:limit]
    )
    return {"by_item": by_item, "by_body": by_body, "total": notices.count()}
