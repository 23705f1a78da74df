"""The notice board (公示栏) PDF: a community's two lists on A4, rendered once per community, day, language and
catalog state into the shared file storage.

Every app server and worker reads the same stored copy (local files, or the object store in production), so no
process keeps PDFs in its own memory. The storage name is the key: `notice-boards/<day>/<code>-<lang>-<catalog>.pdf`,
where <catalog> digests selectors.catalog_version(). A render whose name exists is not done again (a retried task, a
second request); a catalog change gives a new name and shows at once. `sweep` removes the boards of past days.

When a published item changes (published, retired, edited, restored: catalog/services.py), `prerender_on_commit`
queues the boards of the communities it binds, once the change has committed (a rolled-back edit queues nothing): one
task per community for every language the portal serves, each community once however many items the transaction
changed, and none at all past settings.NOTICE_BOARD_PRERENDER_MAX_COMMUNITIES (a national or provincial change:
those boards are rendered on first request, as before).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from catalog import rules, selectors
from catalog.models import AppliesTo, CatalogItem, IssuableItem, NonIssuableItem, Status
from portal import keys
from portal.models import Region
from portal.pdf import render_pdf
from portal.qr import qr_data_uri
from portal.regions import Level

FOLDER = "notice-boards"
log = logging.getLogger(__name__)


@dataclass
class IssuableRow:
    """One line of the notice board's issuable table."""

    item: IssuableItem
    first_basis: dict
    basis_count: int
    needs_confirmation: bool
    materials: list[dict] = field(default_factory=list)


@dataclass
class NoticeBoard:
    """Exactly what the notice-board PDF template needs: the community, the date and the two lists."""

    community: Region
    date: dt.date
    issuable: list[IssuableRow]
    non_issuable: list[NonIssuableItem]
    page_url: str
    upcoming: list = field(default_factory=list)  # published, in force only from a later date
    qr_image: str = ""  # data: URL of a QR code opening page_url, the community's online list
    supervision_phone: str = ""  # the county's 监督电话

    @property
    def committee_name(self) -> str:
        """The closing line's signer: the committee's full legal name (…社区居民委员会 / …村民委员会)."""
        return self.community.committee_name()

    @property
    def date_text(self) -> str:
        return rules.chinese_date(self.date)

    @classmethod
    def build(cls, community: Region, *, page_url: str) -> NoticeBoard:
        today = timezone.localdate()
        rows = [
            IssuableRow(
                item=item,
                first_basis=item.legal_bases[0] if item.legal_bases else {},
                basis_count=len(item.legal_bases),
                needs_confirmation=bool(item.bases_needing_confirmation()),
                materials=list(item.materials),
            )
            for item in selectors.effective_issuable_items(community, on=today)
        ]
        non_issuable = list(selectors.effective_non_issuable_items(community, on=today))
        county = community.ancestor_at(Level.COUNTY)
        return cls(
            community=community,
            date=today,
            issuable=rows,
            non_issuable=non_issuable,
            page_url=page_url,
            upcoming=selectors.upcoming_items(community, on=today),
            qr_image=qr_data_uri(page_url, scale=4, error="m"),
            supervision_phone=county.supervision_phone if county else "",
        )

    @property
    def needs_confirmation_note(self) -> bool:
        # Only the referral of a non-issuable item gets a (neutral) mark; internal "待核" notes never reach the board.
        return any(i.needs_confirmation for i in self.non_issuable)


def storage_name(community: Region, *, language: str, day: dt.date, catalog_version: str) -> str:
    digest = hashlib.sha256(catalog_version.encode()).hexdigest()[:16]
    return f"{FOLDER}/{day.isoformat()}/{community.code}-{language}-{digest}.pdf"


def render_notice_board(community: Region, *, language: str) -> str:
    """The storage name of today's board in this language, rendered now only when it is not stored yet."""
    day = timezone.localdate()
    name = storage_name(community, language=language, day=day, catalog_version=selectors.catalog_version())
    if default_storage.exists(name):
        return name
    with translation.override(language):
        # The board is the same whoever asks: its address comes from settings, not from the request.
        page_url = settings.PORTAL_BASE_URL.rstrip("/") + reverse("catalog:community_detail", args=[community.code])
        board = NoticeBoard.build(community, page_url=page_url)
        # The QR signing key's fingerprint, printed so that a verifier without network can trust the key.
        qr_key = keys.fingerprint(keys.qr_signer().public_key_bytes())
        context = {"board": board, "qr_key": qr_key, "demo_mode": settings.DEMO_MODE}
        pdf = render_pdf(render_to_string("pdf/notice_board.html", context))
    # Two processes that miss at once both render and store the same bytes under the same name: harmless.
    return default_storage.save(name, ContentFile(pdf))


def read(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def sweep(*, today: dt.date | None = None) -> int:
    """Remove the stored boards of days before today; returns how many files went."""
    today = today or timezone.localdate()
    try:
        days, _files = default_storage.listdir(FOLDER)
    except FileNotFoundError:  # local files: no board stored yet (the object store lists an empty prefix)
        return 0
    removed = 0
    for day in days:
        try:
            stale = dt.date.fromisoformat(day) < today
        except ValueError:
            continue
        if stale:
            for file in default_storage.listdir(f"{FOLDER}/{day}")[1]:
                default_storage.delete(f"{FOLDER}/{day}/{file}")
                removed += 1
    return removed


# --- pre-rendering when the catalog changes ------------------------------------------------------------------------


def render_all_languages(community: Region) -> list[str]:
    """Today's boards of the community in every language the portal serves (each rendered only when missing)."""
    return [render_notice_board(community, language=code) for code, _name in settings.LANGUAGES]


def communities_bound(scopes: set[tuple[str, str]]):
    """The communities bound by items of these scopes: (region prefix, '' for national; applies_to)."""
    from django.db.models import Q

    query = Q(pk__in=[])
    for prefix, applies_to in scopes:
        part = Q(code__startswith=prefix)
        if applies_to != AppliesTo.ALL:
            part &= Q(community_kind=applies_to)
        query |= part
    return Region.objects.filter(query, level=Level.COMMUNITY).order_by("code")


class _Prerender:
    """The one on-commit callback of a transaction: the scopes of the items it changed, rendered once it commits."""

    def __init__(self) -> None:
        self.scopes: set[tuple[str, str]] = set()
        self.ran = False
        self.__qualname__ = "notice boards pre-render"  # what Django logs when the callback fails

    def __call__(self) -> None:
        from catalog.tasks import prerender_notice_board  # late: the tasks module imports this one

        self.ran = True
        communities = communities_bound(self.scopes)
        count = communities.count()
        if count > settings.NOTICE_BOARD_PRERENDER_MAX_COMMUNITIES:
            log.info("notice boards of %s communities are left to their first request", count)
            return
        for code in communities.values_list("code", flat=True):
            try:
                prerender_notice_board.delay(code)
            except Exception as error:  # noqa: BLE001 - kombu/redis raise many kinds; the board renders on request
                if settings.CELERY_TASK_ALWAYS_EAGER:
                    raise
                log.warning("notice boards not queued: the task queue is unreachable (%s)", error)
                return


_suppressed: ContextVar[bool] = ContextVar("notice_board_prerender_suppressed", default=False)


@contextmanager
def prerender_suppressed() -> Iterator[None]:
    """No pre-rendering inside (a seed publishing many items: each publish would render every board again)."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def prerender_on_commit(item: CatalogItem) -> None:
    """Queue, after commit, the boards of the communities this published item binds (nothing for a draft)."""
    if item.status != Status.PUBLISHED or _suppressed.get():
        return
    # Django keeps the transaction's callbacks in connection.run_on_commit; a rolled-back savepoint or transaction
    # drops ours with the rest. Reusing the pending one makes every community one task whatever the transaction did.
    applies_to = item.applies_to if isinstance(item, IssuableItem) else AppliesTo.ALL
    scope = (item.region.prefix if item.region_id else "", applies_to)
    pending = next(
        (f for _sids, f, _robust in connection.run_on_commit if isinstance(f, _Prerender) and not f.ran), None
    )
    if pending is not None:
        pending.scopes.add(scope)
        return
    pending = _Prerender()
    # The scope first, then the callback: outside a transaction (autocommit) on_commit runs it at once.
    pending.scopes.add(scope)
    # robust: the item has committed; a board that fails to render (inline, without a broker) is logged and left
    # to its first request, never turned into an error page for the officer who published.
    transaction.on_commit(pending, robust=True)
