"""The officer's dashboard lists what needs attention, each with a link, in a number of queries that does not grow with
the number of items (issue 14): waiting for the province, bases waiting for the county's confirmation (待区县核实),
items ending within 30 days, drafts untouched for more than 30 days."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog.models import IssuableItem, NameReview
from tests.factories import IssuableItemFactory, NonIssuableItemFactory


def detail(item) -> str:
    kind = "issuable" if isinstance(item, IssuableItem) else "non-issuable"
    return reverse("catalog_officer:item_detail", kwargs={"kind": kind, "pk": item.pk})


def attention_section(client) -> str:
    page = client.get(reverse("catalog_officer:dashboard")).content.decode()
    return page.split('id="waiting-heading"')[1].split('id="counts-heading"')[0] if "waiting-heading" in page else ""


def world(personas, n: int = 1) -> dict:
    """n items of each kind of attention in 雁塔区."""
    today = timezone.localdate()
    made: dict[str, list] = {"review": [], "unconfirmed": [], "ending": [], "stale": [], "quiet": []}
    for _ in range(n):
        draft = IssuableItemFactory(region=personas.yanta)
        NameReview.objects.create(
            item=draft, name=draft.name, request_note="依据明确", requested_by=personas.county_officer
        )
        made["review"].append(draft)
        made["unconfirmed"].append(
            NonIssuableItemFactory(region=personas.yanta, needs_confirmation=True, published=True)
        )
        made["ending"].append(
            IssuableItemFactory(region=personas.yanta, published=True, effective_to=today + dt.timedelta(days=10))
        )
        stale = IssuableItemFactory(region=personas.yanta)
        IssuableItem.objects.filter(pk=stale.pk).update(updated_at=timezone.now() - dt.timedelta(days=40))
        made["stale"].append(stale)
        made["quiet"].append(
            IssuableItemFactory(region=personas.yanta, published=True, effective_to=today + dt.timedelta(days=60))
        )
    return made


def test_each_kind_of_attention_is_listed_with_a_link(personas, login):
    made = world(personas)
    section = attention_section(login(personas.county_officer))
    for key in ("review", "unconfirmed", "ending", "stale"):
        item = made[key][0]
        assert f'href="{detail(item)}">{item.name}</a>' in section, key
    assert "等待省级审核" in section and "依据待区县核实" in section
    assert "30 天内到期的事项" in section and "超过 30 天未处理的草稿" in section
    assert made["quiet"][0].name not in section  # ends in 60 days: not yet
    fresh = made["review"][0]
    assert section.count(f'href="{detail(fresh)}"') == 1  # a fresh draft is not also "stale"


def test_the_province_sees_the_requests_it_must_decide(personas, login):
    made = world(personas)
    section = attention_section(login(personas.provincial_officer))
    assert "等待您审核的名称" in section and made["review"][0].name in section
    assert reverse("catalog_officer:review_queue") in section


@pytest.mark.parametrize("persona", ["county_officer", "provincial_officer"])
def test_the_dashboard_reads_in_a_fixed_number_of_queries(personas, login, persona):
    client = login(personas.by_name(persona))
    world(personas, n=1)
    client.get(reverse("catalog_officer:dashboard"))  # warm the resolver's concept cache
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("catalog_officer:dashboard")).status_code == 200
    world(personas, n=6)
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("catalog_officer:dashboard")).status_code == 200
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]
