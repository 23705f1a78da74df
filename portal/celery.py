"""The task queue (Celery, Redis as the broker): work that should not run inside a web request.

Tasks live in each app's `tasks.py` (found by autodiscovery): sending notifications, rendering notice boards (also
ahead, when the catalog changes), rendering large exports, the statistics refresh and the retention sweeps. Every task is keyed so that running it twice has the effect of running it
once: a worker killed mid-task gets its message back (acks_late + reject_on_worker_lost) and runs it again.

Without a broker (CELERY_BROKER_URL unset, as under `make run`) tasks run inline in the calling process
(task_always_eager), so the embedded default needs nothing more. Start a worker and the scheduler with
`celery -A portal worker` and `celery -A portal beat` (the schedule is settings.CELERY_BEAT_SCHEDULE).
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
