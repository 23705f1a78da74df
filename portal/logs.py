"""Logging filters.

Django logs every 4xx response as a warning on `django.request`. A throttled client is the rate limit working, not
a fault: under load one warning per 429 wrote megabytes of log a minute. The limiter is the place that knows when
a client first goes over the limit; the request logger leaves 429s out.
"""

from __future__ import annotations

import logging


class DropThrottled(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return getattr(record, "status_code", None) != 429
