"""The public catalog pages (公开公示) from the shared cache: what a community may and may not issue is read by every
resident and rarely changes, so the pages' database reads and their heaviest markup are kept for PUBLIC_PAGE_SECONDS.

Every key carries a generation that any change to a catalog item or a place replaces (signals below, at once and
again after commit, so that a reader who cached the old rows mid-transaction is superseded too), and the day, since
items come into and out of force by date. Without the shared cache every read is computed: slower, never wrong.
Only what every visitor sees alike is cached: never a signed-in resident's own links, never a search.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import get_language

PUBLIC_PAGE_SECONDS = 300
GENERATION_KEY = "catalog:public:generation"

T = TypeVar("T")


def generation() -> str:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, None)
        value = cache.get(GENERATION_KEY) or "uncached"
    return value


def replace_generation() -> None:
    # The delete alone retires every cached page (the next reader starts a new generation); it is tried even while
    # portal.cache pauses after a lost connection, which a set is not.
    cache.delete(GENERATION_KEY)
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)


def changed(**_kwargs) -> None:
    """A catalog item or a place changed: every cached public page is out of date."""
    replace_generation()
    # Once per transaction: an import or a county's batch edit saves many rows, and one replacement at commit covers
    # them all. A callback of a rolled-back savepoint is gone from the list, so a later change registers it again.
    pending = transaction.get_connection().run_on_commit
    if not any(callback is replace_generation for _savepoints, callback, _robust in pending):
        transaction.on_commit(replace_generation)


def page_key(kind: str, *parts: object) -> str:
    """The key of one public page's cached part: generation, day and language included."""
    day = timezone.localdate().isoformat()
    # The parts come from the URL: digested, so that any text makes a short, valid key.
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:32]
    return ":".join(["catalog:public", generation(), day, get_language() or "", kind, digest])


def cached(key: str, build: Callable[[], T]) -> T:
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, PUBLIC_PAGE_SECONDS)
    return value


def connect() -> None:
    from catalog.models import IssuableItem, NonIssuableItem
    from portal.models import Region

    for model in (IssuableItem, NonIssuableItem, Region):
        for name, signal in (("saved", post_save), ("deleted", post_delete)):
            signal.connect(changed, sender=model, dispatch_uid=f"catalog.publiccache.{model.__name__}.{name}")
