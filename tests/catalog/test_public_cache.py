"""The public catalog pages from the shared cache (catalog/publiccache.py): a repeated visit reads nothing from the
database, and yet every change to an item or a place shows on the next visit, in each language, and a search or a
new day is never served from an older page."""

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog import services
from catalog.models import IssuableItem, NonIssuableItem
from tests.factories import IssuableItemFactory

pytestmark = pytest.mark.django_db


def page(client, url: str, **params) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode()), len(queries)


def item_url(personas, code: str = "610113-ZM01") -> str:
    return reverse("catalog:issuable_detail", args=[personas.community_x.code, code])


def test_a_second_visit_to_an_item_page_reads_nothing(client, personas):
    first, reads = page(client, item_url(personas))
    again, reads_again = page(client, item_url(personas))
    assert reads > 0 and reads_again == 0
    masked = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')  # masked anew on every page
    assert masked.sub("", again) == masked.sub("", first)


def test_an_edited_item_shows_at_once(client, personas):
    page(client, item_url(personas))
    item = IssuableItem.objects.get(code="610113-ZM01")
    item.name = "测试用的新名称证明"
    services.item_save(item=item, actor=personas.county_officer, reason="更正名称")
    text, _ = page(client, item_url(personas))
    assert "测试用的新名称证明" in text


def test_a_retired_item_is_gone_at_once(client, personas):
    page(client, item_url(personas))
    item = IssuableItem.objects.get(code="610113-ZM01")
    services.item_retire(
        item=item, actor=personas.county_officer, end_date=timezone.localdate() - dt.timedelta(days=1), reason="停用"
    )
    assert client.get(item_url(personas)).status_code == 404


def test_a_non_issuable_item_page_follows_its_edits(client, personas):
    url = reverse("catalog:non_issuable_detail", args=[personas.community_x.code, "N01"])
    page(client, url)
    item = NonIssuableItem.objects.get(code="N01")
    item.alternative_department = "测试新去向部门"
    item.save()
    text, _ = page(client, url)
    assert "测试新去向部门" in text


def test_a_community_phone_change_shows_on_the_list_at_once(client, personas):
    url = reverse("catalog:community_list")
    page(client, url)
    _, reads_again = page(client, url)
    assert reads_again == 0
    personas.community_x.phone = "029-88886666"
    personas.community_x.save()
    text, _ = page(client, url)
    assert "029-88886666" in text


def test_each_language_has_its_own_page(client, personas):
    chinese, _ = page(client, item_url(personas))
    client.cookies["django_language"] = "en"
    english, _ = page(client, item_url(personas))
    assert "出具时限" in chinese and "出具时限" not in english


def test_a_search_is_never_served_from_the_cache(client, personas):
    url = reverse("catalog:community_list")
    page(client, url)
    text, _ = page(client, url, q="小寨路")
    assert "小寨路" in text and "张家堡社区居民委员会" not in text


def test_a_new_day_is_never_served_yesterdays_page(client, personas, monkeypatch):
    """Items come into and out of force by date: an item in force until today is gone tomorrow, cached or not."""
    today = timezone.localdate()
    IssuableItemFactory(
        code="610113-ZM91", name="今天截止的证明", region=personas.yanta, status="published", effective_to=today
    )
    assert "今天截止的证明" in page(client, item_url(personas, "610113-ZM91"))[0]
    community_url = reverse("catalog:community_detail", args=[personas.community_x.code])
    assert "今天截止的证明" in page(client, community_url)[0]
    tomorrow = today + dt.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)
    assert client.get(item_url(personas, "610113-ZM91")).status_code == 404
    assert "今天截止的证明" not in page(client, community_url)[0]


def test_without_the_cache_pages_are_computed(client, personas, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    _, reads = page(client, item_url(personas))
    _, reads_again = page(client, item_url(personas))
    assert reads_again == reads > 0


def test_many_changes_in_one_transaction_replace_the_generation_once_at_commit(personas, monkeypatch):
    from django.db import connection, transaction

    from catalog import publiccache

    replaced = []
    monkeypatch.setattr(publiccache, "replace_generation", lambda: replaced.append(1))
    # The test's own transaction already holds the fixtures' callbacks (never run: it is rolled back); start from none,
    # as a request's transaction does.
    monkeypatch.setattr(connection, "run_on_commit", [])
    community = personas.community_x
    with transaction.atomic():
        try:
            with transaction.atomic():  # a change in a savepoint that rolls back: its callback goes with it
                community.save()
                raise RuntimeError
        except RuntimeError:
            pass
        for _ in range(3):
            community.save()
    replaced.clear()
    for _savepoints, callback, _robust in connection.run_on_commit:  # what the commit would run
        callback()
    assert replaced == [1]  # at commit, once
