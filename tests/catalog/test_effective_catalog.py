"""A community's effective catalog: national + province + city + county items in force for its kind."""

import datetime as dt

from catalog.selectors import effective_issuable_items, effective_non_issuable_items
from tests.factories import IssuableItemFactory, NonIssuableItemFactory


def names(qs) -> set[str]:
    return set(qs.values_list("name", flat=True))


def test_community_sees_national_and_its_county_items_only(personas):
    x_items = names(effective_issuable_items(personas.community_x))
    assert "亲属关系证明（仅限公证）" in x_items
    assert names(effective_issuable_items(personas.community_y)) == set()
    assert len(names(effective_non_issuable_items(personas.community_y))) == 20


def test_province_and_city_items_reach_every_community_below(personas):
    city = personas.yanta.parent
    IssuableItemFactory(scope="province", region=personas.province, name="省级示例证明", published=True)
    IssuableItemFactory(scope="city", region=city, name="市级示例证明", published=True)
    NonIssuableItemFactory(scope="county", region=personas.weiyang, name="未央区不予出具示例", published=True)
    for community in (personas.community_x, personas.community_y):
        assert {"省级示例证明", "市级示例证明"} <= names(effective_issuable_items(community))
    assert "未央区不予出具示例" in names(effective_non_issuable_items(personas.community_y))
    assert "未央区不予出具示例" not in names(effective_non_issuable_items(personas.community_x))


def test_drafts_future_and_retired_items_are_not_in_force(personas):
    IssuableItemFactory(region=personas.yanta, name="草稿证明")
    IssuableItemFactory(region=personas.yanta, name="已废止证明", retired=True)
    IssuableItemFactory(region=personas.yanta, name="未来证明", published=True, effective_from=dt.date(2099, 1, 1))
    assert not {"草稿证明", "已废止证明", "未来证明"} & names(effective_issuable_items(personas.community_x))
    assert "未来证明" in names(effective_issuable_items(personas.community_x, on=dt.date(2099, 1, 2)))


def test_kind_of_committee_filters_items(personas):
    village_items = names(effective_issuable_items(personas.village))
    assert "宅基地权属来源证明" in village_items and "居（租）住证明" not in village_items
    community_items = names(effective_issuable_items(personas.community_x))
    assert "居（租）住证明" in community_items and "宅基地权属来源证明" not in community_items


def test_search_matches_name_and_where_to_go(personas):
    assert names(effective_non_issuable_items(personas.community_x, search="犯罪")) == {"无犯罪记录证明"}
    found = names(effective_non_issuable_items(personas.community_x, search="残疾人联合会"))
    assert found == {"残疾状况证明"}
