"""Tasks of the catalog app (Celery; inline without a broker, see portal/celery.py).

- `render_notice_board(code, language)`: stores today's board (catalog/noticeboards.py); keyed by its storage name,
  so a second run renders nothing.
- `prerender_notice_board(code)`: the community's board in every language the portal serves, queued when a published
  item binding it changes (catalog/noticeboards.py, prerender_on_commit); keyed by the storage names like the above.
- `sweep_notice_boards()`: removes the boards of past days (nightly, settings.CELERY_BEAT_SCHEDULE).
"""

from __future__ import annotations

from celery import shared_task

from catalog import noticeboards
from portal.models import Region


@shared_task(name="catalog.tasks.render_notice_board")
def render_notice_board(code: str, language: str) -> str:
    return noticeboards.render_notice_board(Region.objects.get(code=code), language=language)


@shared_task(name="catalog.tasks.prerender_notice_board")
def prerender_notice_board(code: str) -> list[str]:
    return noticeboards.render_all_languages(Region.objects.get(code=code))


@shared_task(name="catalog.tasks.sweep_notice_boards")
def sweep_notice_boards() -> int:
    return noticeboards.sweep()
