"""Oversight snapshots (统计快照): the figures of a county, city or province, kept for a few minutes.

A county's figures read tens of thousands of requests (about 0.2–0.4 s at a million requests on a 2-core machine),
a province's every request (over 10 s). Supervisors read statistics as of a time, not to the second, so the figures
of those levels are computed at most once per OVERSIGHT_SNAPSHOT_SECONDS and language, kept in the shared cache,
and refreshed ahead of readers by the scheduler (certificates.tasks.refresh_oversight). The page says when they
were computed and offers 立即更新, which recomputes. Streets and communities are small and always live.

If the cache is unreachable (portal/cache.py), every read computes live: slower, never wrong.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation

from certificates import oversight
from portal.models import Region
from portal.regions import Level

SNAPSHOT_LEVELS = frozenset({Level.PROVINCE, Level.CITY, Level.COUNTY})


@dataclass(frozen=True)
class Snapshot:
    area: oversight.Area
    figures: dict[str, oversight.Figure]
    computed_at: dt.datetime
    kept: bool  # True when the figures come from the shared cache


def _key(region: Region, language: str, today: dt.date) -> str:
    return f"oversight-snapshot:v1:{region.code}:{language}:{today.isoformat()}"


def _seconds() -> int:
    return int(getattr(settings, "OVERSIGHT_SNAPSHOT_SECONDS", 600))


def _compute(region: Region, today: dt.date) -> Snapshot:
    area, figures = oversight.figures(region, today=today)
    # The community map is only needed while counting; a province's would make every cached copy large.
    return Snapshot(area=replace(area, communities={}), figures=figures, computed_at=timezone.now(), kept=False)


def figures_for(region: Region, *, today: dt.date | None = None, fresh: bool = False) -> Snapshot:
    """The place's figures: from a snapshot no older than OVERSIGHT_SNAPSHOT_SECONDS where the level keeps one,
    otherwise (or when `fresh`) computed now and kept for the next reader."""
    today = today or timezone.localdate()
    if region.level not in SNAPSHOT_LEVELS or _seconds() <= 0:
        return _compute(region, today)
    key = _key(region, translation.get_language() or settings.LANGUAGE_CODE, today)
    if not fresh:
        kept = cache.get(key)
        if kept is not None:
            return replace(kept, kept=True)
    snapshot = _compute(region, today)
    cache.set(key, snapshot, _seconds())
    return snapshot


def refresh(*, levels: frozenset[str] = SNAPSHOT_LEVELS, today: dt.date | None = None) -> int:
    """Recompute every snapshot of those levels in each language the portal speaks; returns how many."""
    if _seconds() <= 0:  # snapshots are off: every page computes live, nothing to keep ahead
        return 0
    today = today or timezone.localdate()
    done = 0
    for region in Region.objects.filter(level__in=levels).order_by("code"):
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                figures_for(region, today=today, fresh=True)
            done += 1
    return done
