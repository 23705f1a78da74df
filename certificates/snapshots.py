"""Oversight snapshots (统计快照): the figures of a county, city or province, kept for a few minutes.

A county's figures read tens of thousands of requests (about 0.2–0.4 s at a million requests on a 2-core machine),
a province's every request (over 10 s). Supervisors read statistics as of a time, not to the second, so the figures
of those levels are computed at most once per OVERSIGHT_SNAPSHOT_SECONDS, kept in the shared cache, and refreshed
ahead of readers by the scheduler (certificates.tasks.refresh_oversight). Streets and communities are small and
always live.

- One computation per place serves every language: the database is read once (oversight.tally) and each language's
  snapshot is built from those counts (oversight.build), stored under its own key with the same time.
- The scheduler refreshes only the places someone read within READ_WINDOW_SECONDS (`figures_for` leaves a mark in
  the cache); a place nobody reads is computed by its next reader, once.
- 立即更新 (`update_now`, a POST) recomputes unless the figures are under MIN_AGE_SECONDS old, and one update per
  place runs at a time (a cache lock): concurrent clicks compute once.
- A cached value that cannot be read (pickled by another version of the code, a torn write) is a miss: computed
  again, with a warning in the log. SNAPSHOT_VERSION in the key keeps deploys apart in the first place.

If the cache is unreachable (portal/cache.py), every read computes live: slower, never wrong.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass, replace
from enum import StrEnum

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation

from certificates import oversight
from portal.cache import cache_unreachable
from portal.models import Region
from portal.regions import Level

log = logging.getLogger(__name__)

SNAPSHOT_LEVELS = frozenset({Level.PROVINCE, Level.CITY, Level.COUNTY})
# Part of every snapshot key. Bump it whenever what is pickled changes shape: the fields of Snapshot, oversight.Area,
# oversight.Figure or oversight.Chart, or the kind of objects in them. A deploy then never unpickles a snapshot of the
# code before it (which could fail, or lack a field the new code reads); the old keys expire within
# OVERSIGHT_SNAPSHOT_SECONDS. History: 1 the first snapshots; 2 both languages built from one tally.
SNAPSHOT_VERSION = 2
# The scheduler keeps ahead the places whose figures someone read within this long.
READ_WINDOW_SECONDS = 3600
# 立即更新 on figures younger than this recomputes nothing: they are as fresh as the officer can use.
MIN_AGE_SECONDS = 60
# How long an update's lock lasts at most if its process dies mid-compute (a province takes several seconds).
LOCK_SECONDS = 120


@dataclass(frozen=True)
class Snapshot:
    area: oversight.Area
    figures: dict[str, oversight.Figure]
    computed_at: dt.datetime
    kept: bool  # True when the figures come from the shared cache


class Update(StrEnum):
    """What 立即更新 did."""

    UPDATED = "updated"  # recomputed now
    RECENT = "recent"  # nothing: the figures are under MIN_AGE_SECONDS old
    BUSY = "busy"  # nothing: an update of the same place is under way
    LIVE = "live"  # nothing: this place's figures are always computed live
    UNREACHABLE = "unreachable"  # nothing: the cache cannot be reached, so every read computes live until it is back


def _key(region: Region, language: str, today: dt.date) -> str:
    return f"oversight-snapshot:v{SNAPSHOT_VERSION}:{region.code}:{language}:{today.isoformat()}"


def _read_key(region: Region) -> str:
    return f"oversight-snapshot-read:{region.code}"


def _lock_key(region: Region) -> str:
    return f"oversight-snapshot-lock:{region.code}"


def _seconds() -> int:
    return int(getattr(settings, "OVERSIGHT_SNAPSHOT_SECONDS", 600))


def _kept_level(region: Region) -> bool:
    return region.level in SNAPSHOT_LEVELS and _seconds() > 0


def _language() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


def scheduled() -> bool:
    """Whether the scheduler refreshes snapshots ahead: only with a broker (without one, tasks run inline and no
    scheduler runs; portal/settings.py, CELERY_BROKER_URL)."""
    return bool(getattr(settings, "CELERY_BROKER_URL", ""))


def kept_minutes() -> int:
    """How long a snapshot is kept, in whole minutes (for the page)."""
    return math.ceil(_seconds() / 60)


def _build(counts: oversight.Tally, computed_at: dt.datetime) -> Snapshot:
    # The community map is only needed while counting; a province's would make every cached copy large.
    area = replace(counts.area, communities={})
    return Snapshot(area=area, figures=oversight.build(counts), computed_at=computed_at, kept=False)


def _compute(region: Region, today: dt.date) -> Snapshot:
    """Live, in the active language only."""
    return _build(oversight.tally(region, today=today), timezone.now())


def _store(region: Region, today: dt.date) -> dict[str, Snapshot]:
    """Reads the database once and keeps the place's snapshot in every language the portal speaks (and the active
    one); returns them by language."""
    counts = oversight.tally(region, today=today)
    computed_at = timezone.now()
    made = {}
    for language in dict.fromkeys([*(code for code, _name in settings.LANGUAGES), _language()]):
        with translation.override(language):
            made[language] = _build(counts, computed_at)
        cache.set(_key(region, language, today), made[language], _seconds())
    return made


def _kept(region: Region, language: str, today: dt.date) -> Snapshot | None:
    """The kept snapshot, or None when there is none or it cannot be read."""
    key = _key(region, language, today)
    try:
        kept = cache.get(key)
    except Exception as error:  # any unpickling error (a class moved, a field renamed, a torn value) is a miss
        log.warning(
            "Oversight snapshot %s could not be read (%s: %s); computing it again", key, type(error).__name__, error
        )
        return None
    if kept is not None and not isinstance(kept, Snapshot):
        log.warning("Oversight snapshot %s holds a %s, not a snapshot; computing it again", key, type(kept).__name__)
        return None
    return kept


def figures_for(region: Region, *, today: dt.date | None = None) -> Snapshot:
    """The place's figures: from a snapshot no older than OVERSIGHT_SNAPSHOT_SECONDS where the level keeps one
    (computed now and kept for the next reader when there is none), otherwise live. Marks the place as read, so
    the scheduler keeps its snapshot ahead."""
    today = today or timezone.localdate()
    if not _kept_level(region):
        return _compute(region, today)
    cache.set(_read_key(region), 1, READ_WINDOW_SECONDS)
    language = _language()
    kept = _kept(region, language, today)
    if kept is not None:
        return replace(kept, kept=True)
    return _store(region, today)[language]


def update_now(region: Region, *, today: dt.date | None = None) -> Update:
    """立即更新: recompute the place's snapshot now, unless it is under MIN_AGE_SECONDS old or another update of the
    place is under way (then nothing is computed). With the cache unreachable the lock cannot be taken: UNREACHABLE,
    and every read is live meanwhile, so there is nothing to update."""
    today = today or timezone.localdate()
    if not _kept_level(region):
        return Update.LIVE
    lock = _lock_key(region)
    if not cache.add(lock, 1, LOCK_SECONDS):
        return Update.UNREACHABLE if cache_unreachable(cache) else Update.BUSY
    try:
        # Under the lock: a concurrent click that held it a moment ago has just made the figures.
        kept = _kept(region, _language(), today)
        if kept is not None and timezone.now() - kept.computed_at < dt.timedelta(seconds=MIN_AGE_SECONDS):
            return Update.RECENT
        _store(region, today)
    finally:
        cache.delete(lock)
    return Update.UPDATED


def refresh(*, levels: frozenset[str] = SNAPSHOT_LEVELS, today: dt.date | None = None) -> int:
    """Recompute the snapshots of the places of those levels read within READ_WINDOW_SECONDS, each place once for
    every language; returns how many places."""
    if _seconds() <= 0:  # snapshots are off: every page computes live, nothing to keep ahead
        return 0
    today = today or timezone.localdate()
    regions = list(Region.objects.filter(level__in=levels).order_by("code"))
    read = cache.get_many([_read_key(region) for region in regions])
    done = 0
    for region in regions:
        if _read_key(region) in read:
            _store(region, today)
            done += 1
    return done
