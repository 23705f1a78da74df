"""Oversight snapshots (certificates/snapshots.py): a county's, city's or province's figures are computed at most
once per OVERSIGHT_SNAPSHOT_SECONDS and language, refreshed ahead of readers by the scheduler, and say when they
were computed; 立即更新 recomputes; streets and communities are always live."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import IssuableItem
from certificates import snapshots, tasks
from certificates.models import Status
from tests.factories import make_request

COUNTY = "610113000000"
STREET = "610113001000"


def _add_request(personas) -> None:
    make_request(
        community=personas.community_x,
        item=IssuableItem.objects.get(code="610113-ZM01"),
        applicant=personas.resident_a,
        status=Status.SUBMITTED,
        accepted_on=dt.date.today(),
    )


def _page(client, code: str, **params):
    return client.get(reverse("desk:oversight_area", args=[code]), params)


def test_a_county_page_is_kept_until_updated_now(personas, login):
    client = login(personas.county_officer)
    first = _page(client, COUNTY)
    assert first.context["received"] == 0
    assert "数据计算于" in first.content.decode() and "立即更新" in first.content.decode()
    _add_request(personas)
    kept = _page(client, COUNTY)
    assert kept.context["received"] == 0  # the snapshot, with the time it was computed on the page
    assert kept.context["computed_at"] == first.context["computed_at"]
    fresh = _page(client, COUNTY, fresh="1")
    assert fresh.context["received"] == 1
    assert _page(client, COUNTY).context["received"] == 1  # the recomputed figures are kept for the next reader


def test_a_street_is_always_live(personas, login):
    client = login(personas.street_officer)
    assert _page(client, STREET).context["received"] == 0
    _add_request(personas)
    page = _page(client, STREET)
    assert page.context["received"] == 1
    assert "立即更新" not in page.content.decode()


def test_the_scheduler_computes_snapshots_before_anyone_reads(personas, login):
    _add_request(personas)
    made = tasks.refresh_oversight()
    assert made >= 2  # at least the county and the province, in each language
    client = login(personas.county_officer)
    with CaptureQueriesContext(connection) as queries:
        page = _page(client, COUNTY)
    assert page.context["received"] == 1
    assert not [q for q in queries.captured_queries if "certificates_certificaterequest" in q["sql"]]


def test_the_download_is_the_figures_on_the_page(personas, login):
    client = login(personas.county_officer)
    _page(client, COUNTY)
    _add_request(personas)
    csv = client.get(reverse("desk:oversight_export", args=[COUNTY, "areas", "csv"]))
    total = csv.content.decode("utf-8-sig").splitlines()[-1]
    assert total.startswith("合计,0,")


@pytest.mark.parametrize("seconds", [0])
def test_snapshots_can_be_turned_off(personas, login, settings, seconds):
    settings.OVERSIGHT_SNAPSHOT_SECONDS = seconds
    client = login(personas.county_officer)
    _page(client, COUNTY)
    _add_request(personas)
    assert _page(client, COUNTY).context["received"] == 1
    assert tasks.refresh_oversight() == 0  # nothing computed ahead that nobody would read


def test_each_language_has_its_own_snapshot(personas):
    from django.utils import translation

    from portal.models import Region

    county = Region.objects.get(code=COUNTY)
    with translation.override("en"):
        english = snapshots.figures_for(county)
    chinese = snapshots.figures_for(county)
    assert chinese.kept is False and english.figures["areas"].title != chinese.figures["areas"].title
