"""Content-Security-Policy: every response carries the portal's policy (no inline script, never framed), the
templates contain nothing that policy would block, and the browser's violation reports are logged.

The browser side (a page of any journey fails on a violation) is in tests/browser/conftest.py and
tests/browser/test_csp_hook.py.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import PERSONA_NAMES
from tests.test_url_matrix import MATRIX, world  # noqa: F401  (the matrix's World fixture)

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def directives(header: str) -> dict[str, set[str]]:
    policy: dict[str, set[str]] = {}
    for part in header.split(";"):
        name, *sources = part.split()
        policy[name] = set(sources)
    return policy


def assert_portal_policy(response) -> None:
    assert "Content-Security-Policy" in response, f"no CSP on {response.status_code} {response.request['PATH_INFO']}"
    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == {"'self'"}
    assert policy["script-src"] == {"'self'"}  # no 'unsafe-inline', no 'unsafe-eval', no other host
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["object-src"] == {"'none'"}
    assert policy["base-uri"] == {"'self'"}
    assert policy["form-action"] == {"'self'"}
    assert policy["frame-ancestors"] == {"'none'"}
    assert policy["report-uri"] == {reverse("csp_report")}


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_every_page_for_every_persona_carries_the_policy(name, world, personas, client):  # noqa: F811
    """Whatever the answer (200, a redirect to sign in, 403, 404, 405), it carries the policy."""
    kwargs_of, _expected = MATRIX[name]
    url = reverse(name, kwargs=kwargs_of(world))
    for persona in PERSONA_NAMES:
        client.logout()
        user = personas.by_name(persona)
        if user is not None:
            client.force_login(user)
        response = client.get(url)
        if name == "seals:impression" and response.status_code == 200:
            # The impression keeps its own stricter policy (seals.views.IMPRESSION_CSP): nothing but drawing.
            policy = directives(response["Content-Security-Policy"])
            assert policy == {
                "default-src": {"'none'"},
                "style-src": {"'unsafe-inline'"},
                "frame-ancestors": {"'none'"},
            }
            continue
        assert_portal_policy(response)


def test_static_files_and_unknown_addresses_carry_the_policy(client, db):
    assert_portal_policy(client.get("/static/portal/portal.css"))
    assert_portal_policy(client.get("/no-such-page/"))


# --- the templates: nothing the policy would block ------------------------------------------------------------------

INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script> (move it to a file under static/portal/js/)"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler (bind it in a static script)"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute (use a class in static/portal/*.css)"),
    (re.compile(r"<style\b", re.I), "<style> block (move it to static/portal/*.css)"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_served_to_browsers_has_inline_script_or_style():
    """PDF templates (templates/pdf/) are read by WeasyPrint only, never served to a browser."""
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        if path.relative_to(TEMPLATES).parts[0] == "pdf":
            continue
        text = path.read_text(encoding="utf-8")
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(TEMPLATES)}:{line}: {what}")
    assert found == []


# --- violation reports ---------------------------------------------------------------------------------------------

REPORT = {
    "csp-report": {
        "document-uri": "https://zm.example.gov.cn/requests/",
        "violated-directive": "script-src-elem",
        "effective-directive": "script-src-elem",
        "blocked-uri": "inline",
        "line-number": 12,
        "script-sample": "alert(1)\nCSP violation: forged line",
    }
}


@pytest.fixture
def csrf_client() -> Client:
    return Client(enforce_csrf_checks=True)


def test_a_violation_report_is_logged_without_a_csrf_token(csrf_client, db, caplog):
    with caplog.at_level(logging.WARNING, logger="portal.csp"):
        response = csrf_client.post(reverse("csp_report"), json.dumps(REPORT), content_type="application/csp-report")
    assert response.status_code == 204
    [record] = [r for r in caplog.records if r.name == "portal.csp"]
    assert record.levelno == logging.WARNING
    message = record.getMessage()
    assert "script-src-elem" in message and "/requests/" in message and "inline" in message
    assert "\n" not in message  # a newline in a report cannot forge a second log line


def test_reporting_api_reports_are_logged_too(csrf_client, db, caplog):
    body = [{"type": "csp-violation", "body": {"documentURL": "https://zm.example.gov.cn/", "blockedURL": "eval"}}]
    with caplog.at_level(logging.WARNING, logger="portal.csp"):
        response = csrf_client.post(reverse("csp_report"), json.dumps(body), content_type="application/reports+json")
    assert response.status_code == 204
    assert any("eval" in r.getMessage() for r in caplog.records if r.name == "portal.csp")


def test_the_report_endpoint_takes_only_bounded_posts(csrf_client, db, caplog):
    url = reverse("csp_report")
    assert csrf_client.get(url).status_code == 405
    huge = {"csp-report": {"document-uri": "x" * 100_000, "blocked-uri": "inline"}}
    with caplog.at_level(logging.WARNING, logger="portal.csp"):
        assert csrf_client.post(url, json.dumps(huge), content_type="application/csp-report").status_code == 204
        assert csrf_client.post(url, "not json", content_type="application/csp-report").status_code == 204
        many = {"csp-report": {"document-uri": "y" * 5000}}
        assert csrf_client.post(url, json.dumps(many), content_type="application/csp-report").status_code == 204
    logged = [r.getMessage() for r in caplog.records if r.name == "portal.csp"]
    assert len(logged) == 3
    assert all(len(message) < 1000 for message in logged)  # an oversized post or value is cut, not copied
    assert "xxxx" not in logged[0]


def test_reports_beyond_the_per_address_limit_are_dropped(csrf_client, db, caplog, monkeypatch):
    from portal import csp_reports

    monkeypatch.setattr(csp_reports, "REPORTS_PER_ADDRESS", 2)
    with caplog.at_level(logging.WARNING, logger="portal.csp"):
        for _ in range(5):
            response = csrf_client.post(
                reverse("csp_report"), json.dumps(REPORT), content_type="application/csp-report"
            )
            assert response.status_code == 204
    assert len([r for r in caplog.records if r.name == "portal.csp"]) == 2
