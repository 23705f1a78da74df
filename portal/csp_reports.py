"""Content-Security-Policy violation reports (settings.CONTENT_SECURITY_POLICY, report-uri): browsers post here what
the policy blocked, and we log it as a warning, so that a missed inline script or an injection attempt shows up.

Anyone can post here, so the endpoint trusts nothing: a bounded body, at most a few reports per post, every logged
value cut short and on one line, and a per-address limit after which reports are dropped silently.
"""

from __future__ import annotations

import json
import logging

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from portal.ratelimit import over_limit

logger = logging.getLogger("portal.csp")

MAX_BODY_BYTES = 16 * 1024
MAX_REPORTS_PER_POST = 5
MAX_VALUE_CHARS = 300
REPORTS_PER_ADDRESS = 30  # per window
WINDOW_SECONDS = 60

# Both formats: report-uri posts {"csp-report": {...}} with hyphenated keys; the Reporting API (report-to) posts a
# list of {"type": "csp-violation", "body": {...}} with camelCase keys. Logged under the first name.
FIELDS = (
    ("document-uri", "documentURL"),
    ("violated-directive", "effectiveDirective"),
    ("effective-directive", "effectiveDirective"),
    ("blocked-uri", "blockedURL"),
    ("source-file", "sourceFile"),
    ("line-number", "lineNumber"),
    ("script-sample", "sample"),
    ("disposition", "disposition"),
)


def _reports(body: bytes) -> list[dict]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return []
    if isinstance(data, dict) and isinstance(data.get("csp-report"), dict):
        return [data["csp-report"]]
    if isinstance(data, list):
        return [r["body"] for r in data if isinstance(r, dict) and isinstance(r.get("body"), dict)]
    return []


def _summary(report: dict) -> dict[str, str]:
    summary = {}
    for name, camel in FIELDS:
        value = report.get(name, report.get(camel))
        if value not in (None, ""):
            summary[name] = str(value)[:MAX_VALUE_CHARS]
    return summary


@csrf_exempt  # browsers send reports without a token (and without cookies)
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    if over_limit(request, "csp-report", limit=REPORTS_PER_ADDRESS, window_seconds=WINDOW_SECONDS):
        return HttpResponse(status=204)
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        logger.warning("CSP report dropped: body over %d bytes", MAX_BODY_BYTES)
        return HttpResponse(status=204)
    reports = _reports(body)
    if not reports:
        logger.warning("CSP report dropped: not a CSP report (%d bytes)", len(body))
    for report in reports[:MAX_REPORTS_PER_POST]:
        # json.dumps keeps the line single (no forged log lines from newlines in a value).
        logger.warning("CSP violation: %s", json.dumps(_summary(report), ensure_ascii=True, sort_keys=True))
    return HttpResponse(status=204)
