"""Tasks of the certificates app, run by Celery workers (inline without a broker; see portal/celery.py).

Each is keyed, so a second run (a retry, a message given back by a killed worker) has no second effect:
- `send_delivery(delivery_id)`: one NotificationDelivery row; its status is read under a row lock
  (notifications.deliver), so a delivery already sent is never sent again. A failed attempt is retried after the
  row's own wait (1, 5, 15, 60 minutes), up to notifications.MAX_ATTEMPTS.
- `send_due_notifications()`: the minute's sweep of pending rows (also those that could not be queued while Redis
  was down); each goes through the same locked `deliver`.
- `refresh_statistics(day_from, day_to)`: recomputes the daily figures of those days (settings.STATISTICS_REFRESH);
  recomputing a day replaces it, so twice is once.
- `apply_retention(as_of)`: the retention sweep; what was removed has its RetentionRecord and is not due again.
- `refresh_oversight()`: the oversight snapshots of the counties, cities and province read within the last hour
  (certificates/snapshots.py); a snapshot replaces the last, so twice is once.
- `evaluate_alerts(as_of)`: the counties' anomaly rules (certificates/anomalies.py); an alert is created once per
  rule, subject and period (a unique constraint), so a second run creates nothing.
- `render_export(job_id)`: a large export's file (certificates/exportjobs.py); rendered holding the job row's lock,
  so a second run waits and then finds it done; a worker killed mid-render releases the lock and the run repeats.
- `sweep_exports()`: removes the files and rows of expired exports and queues again those a Redis outage left waiting.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from certificates import anomalies, exportjobs, notifications, retention, snapshots
from certificates.models import DeliveryStatus


@shared_task(bind=True, name="certificates.tasks.send_delivery", max_retries=notifications.MAX_ATTEMPTS)
def send_delivery(self, delivery_id: int) -> str:
    delivery = notifications.deliver(delivery_id, due_only=True)
    if delivery.status == DeliveryStatus.PENDING and delivery.next_attempt_at and not self.request.is_eager:
        # Inline (no broker) the minute's sweep retries instead: an eager retry would run again at once.
        wait = max(1.0, (delivery.next_attempt_at - timezone.now()).total_seconds())
        raise self.retry(countdown=wait)
    return delivery.status


@shared_task(name="certificates.tasks.send_due_notifications")
def send_due_notifications() -> int:
    return notifications.retry_due()


@shared_task(name="certificates.tasks.refresh_statistics")
def refresh_statistics(day_from: str | None = None, day_to: str | None = None) -> str:
    """Yesterday and today unless told (ISO dates). Does nothing until STATISTICS_REFRESH names the function."""
    if not settings.STATISTICS_REFRESH:
        return "not configured"
    today = timezone.localdate()
    start = dt.date.fromisoformat(day_from) if day_from else today - dt.timedelta(days=1)
    end = dt.date.fromisoformat(day_to) if day_to else today
    import_string(settings.STATISTICS_REFRESH)(start, end)
    return f"{start}..{end}"


@shared_task(name="certificates.tasks.apply_retention")
def apply_retention(as_of: str | None = None) -> dict[str, int]:
    """The retention sweep as of a moment (ISO datetime; now unless told)."""
    now = dt.datetime.fromisoformat(as_of) if as_of else timezone.now()
    report = retention.apply_retention(now=now)
    return {"files": len(report.files), "requests": len(report.requests)}


@shared_task(name="certificates.tasks.evaluate_alerts")
def evaluate_alerts(as_of: str | None = None) -> dict[str, int]:
    """The anomaly rules as of a day (ISO date; today unless told). Returns how many alerts each rule created."""
    return anomalies.evaluate(as_of=dt.date.fromisoformat(as_of) if as_of else None)


@shared_task(name="certificates.tasks.refresh_oversight")
def refresh_oversight() -> int:
    """Recompute the oversight snapshots of the places read recently, ahead of their next reader; returns how many
    places."""
    return snapshots.refresh()


@shared_task(name="certificates.tasks.render_export")
def render_export(job_id: int) -> str:
    return exportjobs.render_job(job_id)


@shared_task(name="certificates.tasks.sweep_exports")
def sweep_exports(as_of: str | None = None) -> int:
    """Removes the exports expired as of a moment (ISO datetime; now unless told); returns how many went."""
    return exportjobs.sweep(now=dt.datetime.fromisoformat(as_of) if as_of else None)
