"""Oversight snapshots (certificates/snapshots.py): a county's, city's or province's figures are computed at most
once per OVERSIGHT_SNAPSHOT_SECONDS (one database read for every language), refreshed ahead by the scheduler for the
places someone reads, and say when they were computed; 立即更新 is a POST that recomputes at most once a minute and
once at a time; an unreadable snapshot is computed again; streets and communities are always live."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import replace

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from catalog.models import IssuableItem
from certificates import oversight, snapshots, tasks
from certificates.models import Status
from portal.models import Region
from tests.factories import make_request

COUNTY = "610113000000"
STREET = "610113001000"
PROVINCE = "610000000000"


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


def _update(client, code: str):
    return client.post(reverse("desk:oversight_area", args=[code]))


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _age(code: str, seconds: int) -> None:
    """Make the kept snapshots of a place (every language) look `seconds` older."""
    region = Region.objects.get(code=code)
    today = dt.date.today()
    for language, _name in settings.LANGUAGES:
        key = snapshots._key(region, language, today)
        kept = cache.get(key)
        cache.set(key, replace(kept, computed_at=kept.computed_at - dt.timedelta(seconds=seconds)))


def _reads_requests(queries) -> bool:
    return any("certificates_certificaterequest" in q["sql"] for q in queries.captured_queries)


@pytest.fixture
def tallies(monkeypatch):
    """The places whose figures were read from the database, in order."""
    made: list[str] = []
    real = oversight.tally

    def counting(region, **kwargs):
        made.append(region.code)
        return real(region, **kwargs)

    monkeypatch.setattr(oversight, "tally", counting)
    return made


# --- reading and 立即更新 ---------------------------------------------------------------------------------------


def test_a_county_page_is_kept_until_updated_now(personas, login):
    client = login(personas.county_officer)
    first = _page(client, COUNTY)
    assert first.context["received"] == 0
    assert "数据计算于" in first.content.decode() and "立即更新" in first.content.decode()
    _add_request(personas)
    kept = _page(client, COUNTY)
    assert kept.context["received"] == 0  # the snapshot, with the time it was computed on the page
    assert kept.context["computed_at"] == first.context["computed_at"]
    _age(COUNTY, 61)
    updated = _update(client, COUNTY)
    assert updated.status_code == 302 and updated["Location"] == reverse("desk:oversight_area", args=[COUNTY])
    page = client.get(updated["Location"])
    assert page.context["received"] == 1  # the recomputed figures are kept for the next reader
    assert _messages(page) == ["数据已重新计算。"]


def test_the_update_is_a_post_form_with_a_csrf_token(personas, login):
    page = _page(login(personas.county_officer), COUNTY).content.decode()
    form = page[page.index('<form method="post" action="/') :]
    form = form[: form.index("</form>")]
    assert "csrfmiddlewaretoken" in form and "立即更新" in form
    assert "?fresh=1" not in page
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(personas.county_officer)
    assert _update(strict, COUNTY).status_code == 403  # no token, no update


def test_a_get_with_fresh_computes_nothing(personas, login, tallies):
    client = login(personas.county_officer)
    _page(client, COUNTY)
    _add_request(personas)
    _age(COUNTY, 3600)
    assert _page(client, COUNTY, fresh="1").context["received"] == 0
    assert tallies == [COUNTY]  # the first read only


def test_an_update_within_a_minute_computes_nothing(personas, login, tallies):
    client = login(personas.county_officer)
    _page(client, COUNTY)
    _add_request(personas)
    _age(COUNTY, 50)
    page = client.get(_update(client, COUNTY)["Location"])
    assert page.context["received"] == 0 and tallies == [COUNTY]
    assert _messages(page) == ["数据计算于不到一分钟前，已是最新，无需重新计算。"]


def test_concurrent_updates_compute_once(personas, monkeypatch):
    """A second click while the first is computing computes nothing; the lock is released afterwards."""
    county = Region.objects.get(code=COUNTY)
    real = oversight.tally
    seen: list = []

    def tally_with_a_second_click(region, **kwargs):
        seen.append(region.code)
        if len(seen) == 1:
            seen.append(snapshots.update_now(county))  # another officer clicks during the first computation
        return real(region, **kwargs)

    monkeypatch.setattr(oversight, "tally", tally_with_a_second_click)
    assert snapshots.update_now(county) == snapshots.Update.UPDATED
    assert seen == [COUNTY, snapshots.Update.BUSY]
    _age(COUNTY, 61)
    assert snapshots.update_now(county) == snapshots.Update.UPDATED  # the lock was released


def test_a_held_lock_is_told_to_the_officer(personas, login, tallies):
    client = login(personas.county_officer)
    _page(client, COUNTY)
    _age(COUNTY, 3600)
    cache.add(snapshots._lock_key(Region.objects.get(code=COUNTY)), 1, 60)
    page = client.get(_update(client, COUNTY)["Location"])
    assert tallies == [COUNTY]
    assert _messages(page) == ["该区划的数据正在更新，请稍后刷新页面查看。"]


def test_with_the_cache_unreachable_the_officer_is_told_the_page_is_live(personas, login, settings):
    """Redis down: no lock can be taken and nothing is kept, so every read computes live; 立即更新 says so instead of
    claiming that an update is under way."""
    client = login(personas.county_officer)
    settings.CACHES = {  # nothing listens on port 9, as when Redis is down
        "default": {"BACKEND": "portal.cache.ResilientRedisCache", "LOCATION": "redis://127.0.0.1:9/0"}
    }
    _add_request(personas)
    page = client.get(_update(client, COUNTY)["Location"])
    assert page.context["received"] == 1  # computed live
    assert _messages(page) == ["缓存服务暂时不可用：本页数据在每次打开时实时计算，已是最新。"]


@pytest.mark.parametrize(
    ("persona", "status"),
    [("other_county_officer", 404), ("resident_a", 403), ("staff_x", 403), (None, 302)],
)
def test_an_update_checks_the_place_like_reading_it(personas, login, tallies, persona, status):
    client = login(getattr(personas, persona) if persona else None)
    response = _update(client, COUNTY)
    assert response.status_code == status  # anonymous: sent to sign in
    assert tallies == []


@pytest.mark.parametrize("persona", ["county_officer", "city_officer", "provincial_officer"])
def test_officers_of_the_place_and_above_may_update(personas, login, tallies, persona):
    response = _update(login(getattr(personas, persona)), COUNTY)
    assert response.status_code == 302 and tallies == [COUNTY]


def test_a_street_is_always_live(personas, login):
    client = login(personas.street_officer)
    assert _page(client, STREET).context["received"] == 0
    _add_request(personas)
    page = _page(client, STREET)
    assert page.context["received"] == 1
    assert "立即更新" not in page.content.decode()
    assert _update(client, STREET).status_code == 302  # nothing to update: back to the live page, no message


# --- what the page says about updates ----------------------------------------------------------------------------


def test_without_a_broker_the_page_does_not_promise_automatic_updates(personas, login, settings):
    settings.CELERY_BROKER_URL = ""
    page = _page(login(personas.county_officer), COUNTY).content.decode()
    assert "每10分钟自动更新" not in page
    assert "数据最多保留15分钟，可点“立即更新”重新计算" in page


def test_with_a_broker_the_page_says_it_updates_every_ten_minutes(personas, login, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/1"
    page = _page(login(personas.county_officer), COUNTY).content.decode()
    assert "每10分钟自动更新" in page and "数据最多保留" not in page


# --- the scheduler ----------------------------------------------------------------------------------------------


def test_the_scheduler_refreshes_only_the_places_read_recently(personas, login, tallies):
    assert tasks.refresh_oversight() == 0 and tallies == []  # nobody has read anything: no database work
    client = login(personas.county_officer)
    _page(client, COUNTY)
    _add_request(personas)
    tallies.clear()
    assert tasks.refresh_oversight() == 1 and tallies == [COUNTY]  # the county, not the province nobody read
    with CaptureQueriesContext(connection) as queries:
        page = _page(client, COUNTY)
    assert page.context["received"] == 1 and not _reads_requests(queries)
    cache.delete(snapshots._read_key(Region.objects.get(code=COUNTY)))  # an hour without a reader
    tallies.clear()
    assert tasks.refresh_oversight() == 0 and tallies == []


def test_a_read_is_remembered_for_the_read_window(personas, monkeypatch):
    county = Region.objects.get(code=COUNTY)
    kept: dict = {}
    real_set = cache.set

    def recording_set(key, value, timeout=None, *args, **kwargs):
        kept[key] = timeout
        return real_set(key, value, timeout, *args, **kwargs)

    monkeypatch.setattr(cache, "set", recording_set)
    snapshots.figures_for(county)
    assert kept[snapshots._read_key(county)] == snapshots.READ_WINDOW_SECONDS == 3600


# --- one database read for every language ------------------------------------------------------------------------


def test_one_computation_serves_both_languages(personas, login, tallies):
    _add_request(personas)
    county = Region.objects.get(code=COUNTY)
    chinese = snapshots.figures_for(county)
    with translation.override("en"), CaptureQueriesContext(connection) as queries:
        english = snapshots.figures_for(county)
    assert tallies == [COUNTY] and not _reads_requests(queries)
    assert english.kept and english.computed_at == chinese.computed_at
    assert english.figures["areas"].title != chinese.figures["areas"].title
    assert english.figures["areas"].rows[-1][1:] == chinese.figures["areas"].rows[-1][1:]  # the same counts
    tallies.clear()
    assert tasks.refresh_oversight() == 1 and tallies == [COUNTY]  # once for the place, not once per language


def test_building_the_figures_reads_nothing_from_the_database(personas, django_assert_num_queries):
    _add_request(personas)
    counts = oversight.tally(Region.objects.get(code=PROVINCE))
    with django_assert_num_queries(0), translation.override("en"):
        english = oversight.build(counts)
    with django_assert_num_queries(0):
        chinese = oversight.build(counts)
    assert english["areas"].title != chinese["areas"].title
    assert english["areas"].rows[-1][1:] == chinese["areas"].rows[-1][1:]


def test_each_language_has_its_own_snapshot(personas):
    county = Region.objects.get(code=COUNTY)
    with translation.override("en"):
        english = snapshots.figures_for(county)
    chinese = snapshots.figures_for(county)
    assert english.kept is False and chinese.kept is True
    assert english.figures["areas"].title != chinese.figures["areas"].title


# --- kept snapshots that cannot be read -------------------------------------------------------------------------


def _explode():
    raise AttributeError("Can't get attribute 'Snapshot' on <module 'certificates.snapshots'>")


class _FromAnOlderDeploy:
    """Pickles fine, fails to unpickle: what a snapshot of a class that has since changed does."""

    def __reduce__(self):
        return (_explode, ())


@pytest.mark.parametrize("stored", [_FromAnOlderDeploy(), "not a snapshot"])
def test_an_unreadable_snapshot_is_computed_again(personas, login, caplog, stored):
    county = Region.objects.get(code=COUNTY)
    _add_request(personas)
    cache.set(snapshots._key(county, "zh-hans", dt.date.today()), stored, 600)
    with caplog.at_level(logging.WARNING, logger="certificates.snapshots"):
        page = _page(login(personas.county_officer), COUNTY)
    assert page.status_code == 200 and page.context["received"] == 1
    assert "computing it again" in caplog.text
    assert snapshots._kept(county, "zh-hans", dt.date.today()).figures["areas"].rows[-1][1] == 1  # replaced


def test_a_cache_that_raises_on_read_is_a_miss(personas, monkeypatch, caplog):
    county = Region.objects.get(code=COUNTY)

    real_get = cache.get

    def broken_get(key, *args, **kwargs):
        if key.startswith("oversight-snapshot:"):  # other cached values (the resolver's concepts) read as usual
            raise ValueError("unsupported pickle protocol: 9")
        return real_get(key, *args, **kwargs)

    monkeypatch.setattr(cache, "get", broken_get)
    with caplog.at_level(logging.WARNING, logger="certificates.snapshots"):
        snapshot = snapshots.figures_for(county)
    assert snapshot.kept is False and "could not be read" in caplog.text


def test_the_code_version_is_part_of_the_key(personas, monkeypatch):
    county = Region.objects.get(code=COUNTY)
    assert snapshots.figures_for(county).kept is False
    assert snapshots.figures_for(county).kept is True
    monkeypatch.setattr(snapshots, "SNAPSHOT_VERSION", snapshots.SNAPSHOT_VERSION + 1)  # a deploy that bumped it
    assert snapshots.figures_for(county).kept is False


# --- downloads and switching off -----------------------------------------------------------------------------------


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
