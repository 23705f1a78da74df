"""Tasks of the catalog app (Celery; inline without a broker, see portal/celery.py).

- `render_notice_board(code, language)`: stores today's board (catalog/noticeboards.py); keyed by its storage name,
  so a second run renders nothing.
- `sweep_notice_boards()`: removes the boards of past days (nightly, settings.CELERY_BEAT_SCHEDULE).
"""

from __future__ import annotations

from celery import shared_task

from catalog import noticeboards
from portal.models import Region


@shared_task(name="catalog.tasks.render_notice_board")
def render_notice_board(code: str, language: str) -> str:
    return noticeboards.render_notice_board(Region.objects.get(code=code), language=language)


@shared_task(name="catalog.tasks.sweep_notice_boards")
def sweep_notice_boards() -> int:
    return noticeboards.sweep()
