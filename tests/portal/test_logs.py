"""Throttled requests do not flood the log: a 429 is the limit working (issue 13: 8.9 MB in two minutes)."""

import logging

from django.urls import reverse


def test_a_429_writes_no_warning_but_other_4xx_still_do(client, settings, caplog, db):
    settings.VERIFY_RATE_LIMIT = 2
    caplog.set_level(logging.WARNING, logger="django.request")
    statuses = [client.get(reverse("verify", args=["ABCDEABCDEABCDEABCDEABCDE"])).status_code for _ in range(6)]
    assert 429 in statuses
    assert not [r for r in caplog.records if getattr(r, "status_code", None) == 429]
    client.get("/no-such-page/")
    assert [r for r in caplog.records if getattr(r, "status_code", None) == 404]
