"""按地区汇总 (issue 14): the province's page rolls the catalogs up by city, a city's by county, a county's by
community; each row drills down, counts follow the items' lists and states, and the queries do not grow with the
number of places or items."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog.models import IssuableItem, NonIssuableItem
from catalog.rollup import rollup
from portal.models import Region
from portal.regions import CommunityKind, Level
from tests.factories import IssuableItemFactory, NonIssuableItemFactory, region


def place_url(code: str) -> str:
    return reverse("catalog_officer:place", args=[code])


def test_the_province_rows_are_its_cities_and_its_own_items(personas):
    today = timezone.localdate()
    xian = personas.yanta.parent
    IssuableItemFactory(region=personas.yanta)  # a draft in 雁塔区 counts for 西安市
    IssuableItemFactory(region=personas.yanta, published=True, effective_from=today + dt.timedelta(days=5))
    NonIssuableItemFactory(region=personas.province, scope="province")  # the province's own
    result = rollup(personas.province, today=today)
    rows = {row.region.code if row.region else "own": row for row in result.rows}
    yanta_published = IssuableItem.objects.in_force(today).filter(region=personas.yanta).count()
    assert rows[xian.code].issuable == {"published": yanta_published, "later": 1, "draft": 1, "retired": 0}
    assert rows["own"].non_issuable["draft"] == 1 and not rows["own"].drill and rows[xian.code].drill
    assert result.total.issuable["draft"] == IssuableItem.objects.filter(status="draft").count()
    assert all(row.region.level == Level.CITY for row in result.rows[1:])


def test_each_row_drills_down_to_the_communities(personas, login):
    client = login(personas.provincial_officer)
    start = client.get(reverse("catalog_officer:places"))
    assert start.status_code == 302 and start.url == place_url(personas.province.code)
    xian = personas.yanta.parent
    province_page = client.get(place_url(personas.province.code)).content.decode()
    assert f'href="{place_url(xian.code)}"' in province_page
    city_page = client.get(place_url(xian.code)).content.decode()
    assert f'href="{place_url(personas.yanta.code)}"' in city_page and "西安市本级" in city_page
    county_page = client.get(place_url(personas.yanta.code)).content.decode()
    community = reverse("catalog:community_detail", args=[personas.community_x.code])
    assert f'href="{community}">{personas.community_x.name}</a>' in county_page
    assert f"{personas.village.name}</a>" in county_page


def test_a_community_row_counts_what_is_in_force_for_its_kind(personas):
    from catalog.rollup import county_communities
    from catalog.selectors import effective_issuable_items, effective_non_issuable_items

    rows = {row.community.code: row for row in county_communities(personas.yanta, today=timezone.localdate())}
    for place in (personas.community_x, personas.village):
        assert rows[place.code].issuable == effective_issuable_items(place).count()
        assert rows[place.code].non_issuable == effective_non_issuable_items(place).count()


def test_a_county_officer_starts_at_the_county_and_cannot_see_another(personas, login):
    client = login(personas.county_officer)
    assert client.get(reverse("catalog_officer:places")).url == place_url(personas.yanta.code)
    assert client.get(place_url(personas.weiyang.code)).status_code == 404
    assert client.get(place_url(personas.province.code)).status_code == 404
    assert client.get(place_url(personas.community_x.code)).status_code == 404


@pytest.mark.parametrize("code", ["610000000000", "610113000000"])
def test_the_page_reads_in_a_fixed_number_of_queries(personas, login, code):
    client = login(personas.provincial_officer)
    client.get(place_url(code))
    with CaptureQueriesContext(connection) as few:
        assert client.get(place_url(code)).status_code == 200
    street = Region.objects.get(code="610113001000")
    for n in range(5):
        region(
            f"6101130019{n:02d}",
            f"新社区{n}",
            Level.COMMUNITY,
            street,
            community_kind=CommunityKind.RESIDENTS_COMMITTEE,
        )
        IssuableItemFactory(region=personas.yanta)
        NonIssuableItemFactory(region=personas.weiyang)
    region("610199000000", "新区", Level.COUNTY, personas.yanta.parent)
    with CaptureQueriesContext(connection) as many:
        assert client.get(place_url(code)).status_code == 200
    assert len(many) == len(few)
    assert NonIssuableItem.objects.filter(region=personas.weiyang).count() >= 5
