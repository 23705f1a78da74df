"""The county desk's area-wide figures: totals by state, the year's refusals and the requesting bodies of every
request in the officer's area. Each reads all of a county's requests (tens of thousands at province scale, some 40 ms
of database work per view), while the desk's own rows, its page of communities and the review list, stay live.

So they are kept in the shared cache for DESK_FIGURES_SECONDS, per area, day and language, and the page says when
they were counted. Without the shared cache they are counted on every view: slower, never wrong.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import get_language

from certificates import selectors, workflow
from certificates.models import CertificateRequest
from certificates.oversight import overdue_q
from portal.models import Region

DESK_FIGURES_SECONDS = 60
STAT_STATUSES = workflow.STATISTICS_STATES


@dataclass(frozen=True)
class DeskFigures:
    counts: list[int]  # per state of STAT_STATUSES
    overdue: int
    exceptional: int
    refusals: dict
    bodies: list[dict]
    computed_at: dt.datetime


def stat_annotations(today: dt.date) -> dict:
    """Counts per state, overdue and exceptional: one aggregate, per community or over an area."""
    # Prefixed names: an annotation may not share a name with a model field ("exceptional").
    counts = {f"n_{s}": Count("pk", filter=Q(status=s)) for s in STAT_STATUSES}
    counts["n_overdue"] = Count("pk", filter=overdue_q(today))
    counts["n_exceptional"] = Count("pk", filter=Q(exceptional=True, status__in=STAT_STATUSES))
    return counts


def area_figures(places: list[Region], in_scope: Q, today: dt.date) -> DeskFigures:
    """The figures of the area made of these places (`in_scope` filters requests to it, selectors.community_scope),
    from the cache when counted within the last DESK_FIGURES_SECONDS."""
    digest = hashlib.sha256(",".join(sorted(p.code for p in places)).encode()).hexdigest()[:24]
    key = f"desk:area-figures:v1:{digest}:{today.isoformat()}:{get_language()}"
    figures = cache.get(key)
    if not isinstance(figures, DeskFigures):  # a miss, or a value an older deploy stored in another shape
        figures = _count(in_scope, today)
        cache.set(key, figures, DESK_FIGURES_SECONDS)
    return figures


def _count(in_scope: Q, today: dt.date) -> DeskFigures:
    totals = CertificateRequest.objects.filter(in_scope).aggregate(**stat_annotations(today))
    return DeskFigures(
        counts=[totals[f"n_{s}"] for s in STAT_STATUSES],
        overdue=totals["n_overdue"],
        exceptional=totals["n_exceptional"],
        refusals=selectors.refusal_counts(in_scope, today.year),
        bodies=selectors.requesting_body_counts(in_scope, STAT_STATUSES),
        computed_at=timezone.now(),
    )
