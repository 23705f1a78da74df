"""Settings of a Celery worker started by tests/tasks/test_worker.py: the test settings pointed at the running test's
database (PORTAL_WORKER_DB_NAME) and broker (CELERY_BROKER_URL, read by portal.settings), with an SMS backend that
records into a file the test reads (the worker is another process: the in-memory outbox would not be seen)."""

import os

from portal.settings_test import *  # noqa: F403
from portal.settings_test import DATABASES

DATABASES = {"default": {**DATABASES["default"], "NAME": os.environ["PORTAL_WORKER_DB_NAME"]}}
SMS_BACKEND = "tests.tasks.recording_sms.FileRecordingBackend"
