"""The name resolver (catalog/resolver.py): a name → the certificate it means, whatever the spelling.

Data: the national first batch (N01..N20), 雁塔区's issuable examples and the concepts seeded by migration 0006.
"""

import pytest

from catalog import resolver, services
from catalog.models import CertificateConcept
from catalog.resolver import Kind, canonical, resolve
from tests.factories import NonIssuableItemFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "text, expected",
    [
        ("无犯罪记录证明", "无犯罪记录"),
        ("无犯罪记录证明书", "无犯罪记录"),
        ("居民无犯罪记录证明", "无犯罪记录"),
        ("本人无犯罪记录证明", "无犯罪记录"),
        ("無犯罪記錄證明", "无犯罪记录"),
        ("无 犯罪，记录·证明", "无犯罪记录"),
        ("ＡＢＣ证明", "abc"),
        ("居（租）住证明", "居租住"),
        ("居(租)住证明", "居租住"),
        ("【居租住】证明", "居租住"),
        ("家庭成员情况证明", "家庭成员情况"),  # 家庭 is not a modifier
        ("证明", "证明"),  # never empty
    ],
)
def test_normalisation(text, expected):
    assert canonical(text) == expected


@pytest.mark.parametrize(
    "text, code",
    [
        ("无犯罪记录证明", "N05"),
        ("居民无犯罪记录证明", "N05"),  # issue 7: published in one click next to N05
        ("無犯罪記錄證明", "N05"),
        ("无犯罪记录证明（补办）", "N05"),  # a trivial qualifier
        ("无违法犯罪证明", "N05"),
        ("无犯罪证明", "N05"),
        ("良民证", "N05"),
        ("在世证明", "N10"),
        ("生存证明", "N10"),
        ("活着证明", "N10"),
        ("個人生存證明", "N10"),
        ("养狗证明", "N04"),
        ("单身证明", "N08"),
        ("去世证明", "N11"),
        ("同一人证明", "N02"),
        ("经营场所证明", "N19"),
    ],
)
def test_names_people_use_match_the_non_issuable_item(personas, text, code):
    result = resolve(text, region=personas.community_x)
    assert result.kind == Kind.MATCH
    assert [item.code for item in result.non_issuable] == [code]


def test_a_concept_of_the_issuable_list(personas):
    for text in ("居住证明", "租房证明", "居(租)住證明"):
        result = resolve(text, region=personas.community_x)
        assert result.kind == Kind.MATCH and result.concept == "居住"
        assert [i.code for i in result.issuable] == ["610113-ZM06"] and result.non_issuable == []


@pytest.mark.parametrize(
    "text, code",
    [
        ("无犯罪纪录证明", "N05"),  # a typo
        ("犯罪记录查询", "N05"),
        ("无犯罪记录情况说明", "N05"),
        ("亲属关系证明（仅限公证）", "N01"),  # a substantive qualifier: near, the province decides
        ("婚姻状况证明（再婚时）", "N08"),
    ],
)
def test_near_names(personas, text, code):
    result = resolve(text, region=personas.community_y)  # 未央区: none of 雁塔区's own items
    assert result.kind == Kind.NEAR
    assert result.score >= resolver.NEAR_THRESHOLD
    assert result.candidates[0].code == code


@pytest.mark.parametrize("text", ["社区服务证明", "志愿服务时长证明", "出租", "", "，。"])
def test_unrelated_names(personas, text):
    assert resolve(text, region=personas.community_x).kind == Kind.NONE


def test_a_region_sees_only_the_items_that_bind_it(personas):
    NonIssuableItemFactory(region=personas.weiyang, name="摊位证明", published=True)
    assert resolve("摊位证明", region=personas.community_y).non_issuable[0].name == "摊位证明"
    assert resolve("摊位证明", region=personas.community_x).kind == Kind.NONE
    assert resolve("摊位证明").kind == Kind.MATCH  # no region: every place's items


def test_a_synonym_added_by_the_province_takes_effect_at_once(personas):
    assert resolve("阳间证明", region=personas.community_x).kind == Kind.NONE
    concept = CertificateConcept.objects.get(name="健在")
    concept.names = [*concept.names, "阳间证明"]
    services.concept_save(concept=concept, actor=personas.provincial_officer, reason="群众反映的叫法")
    result = resolve("阳间证明", region=personas.community_x)
    assert result.kind == Kind.MATCH and result.non_issuable[0].code == "N10"
    latest = concept.history.first()
    assert latest.history_user == personas.provincial_officer and "阳间证明" in latest.names


def test_one_name_means_one_concept(personas):
    concept = CertificateConcept.objects.get(name="健在")
    concept.names = [*concept.names, "無犯罪證明"]
    with pytest.raises(Exception) as error:
        services.concept_save(concept=concept, actor=personas.provincial_officer)
    assert "已是证明概念“无犯罪记录”的叫法" in str(error.value)


@pytest.mark.parametrize(
    "body, code",
    [
        ("兹证明{applicant_name}在本社区居住期间无违法犯罪记录。", "N05"),
        ("兹证明{applicant_name}現仍健在。", "N10"),
        ("经核实，{applicant_name}于2025年3月去世。", "N11"),
        ("该户名下无房。", "N17"),
    ],
)
def test_bodies_that_certify_a_non_issuable_concept(personas, body, code):
    hits = resolver.body_concepts(body, region=personas.yanta)
    assert [item.code for _word, item in hits] == [code]


def test_ordinary_bodies_certify_no_concept(personas):
    for body in (
        "经核实，{applicant_name}自{since}起居住在{address}。\n本证明仅用于{purpose}。\n特此证明。",
        "经核实，{applicant_name}与{relative_name}系{relation}关系。本证明仅用于办理亲属关系公证。",
    ):
        assert resolver.body_concepts(body, region=personas.yanta) == []


@pytest.mark.parametrize(
    "query, expected",
    [
        ("居住", {"居（租）住证明"}),
        ("租房", {"居（租）住证明"}),
        ("居(租)住", {"居（租）住证明"}),
        ("在世", {"健在证明"}),
        ("活着证明", {"健在证明"}),
        ("無犯罪", {"无犯罪记录证明"}),
        ("良民证", {"无犯罪记录证明"}),
    ],
)
def test_search_by_meaning(personas, query, expected):
    from catalog.selectors import effective_issuable_items, effective_non_issuable_items

    found = {i.name for i in effective_issuable_items(personas.community_x, search=query)}
    found |= {i.name for i in effective_non_issuable_items(personas.community_x, search=query)}
    # (a non-issuable item may also be found by where to go instead: 居住 is in N05's "居住地派出所")
    assert expected <= found
