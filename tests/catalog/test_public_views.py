"""Public disclosure pages (公开公示): anyone, signed in or not, sees a community's two lists and each item's guide.

Data: the migrations load the national first batch (N01..N20) and 雁塔区's published issuable items (610113-ZM01..
ZM08; ZM06 only for residents' committees, ZM07 only for villagers' committees). community_x is in 雁塔区,
community_y in 未央区, village is a villagers' committee in 雁塔区.
"""

import datetime as dt
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog import services
from catalog.models import IssuableItem, NonIssuableItem
from portal.regions import CommunityKind, Level
from tests.factories import IssuableItemFactory, NonIssuableItemFactory, region

YANTA_FOR_RESIDENTS = [f"610113-ZM0{n}" for n in (1, 2, 3, 4, 5, 6, 8)]


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode())


def badge_counts(text: str) -> list[str]:
    """The item counts shown beside the two list headings."""
    return [
        " ".join(m.split()) for m in re.findall(r'<span class="badge text-bg-\w+ align-middle">([^<]*)</span>', text)
    ]


def community_url(community, q: str = "") -> str:
    url = reverse("catalog:community_detail", args=[community.code])
    return f"{url}?q={q}" if q else url


def issuable_url(community, code: str) -> str:
    return reverse("catalog:issuable_detail", args=[community.code, code])


def non_issuable_url(community, code: str) -> str:
    return reverse("catalog:non_issuable_detail", args=[community.code, code])


def item_names(codes: list[str]) -> list[str]:
    return list(IssuableItem.objects.filter(code__in=codes).values_list("name", flat=True))


# --- the list of communities --------------------------------------------------------------------------------------


def test_community_list_groups_communities_by_county_and_street(client, personas):
    text = text_of(client.get(reverse("catalog:community_list")))
    assert "西安市雁塔区" in text and "西安市未央区" in text
    assert "小寨路街道" in text and "张家堡街道" in text
    assert text.index("西安市未央区") < text.index("张家堡社区居民委员会")
    assert text.index("西安市雁塔区") < text.index("育才路社区居民委员会")
    assert community_url(personas.community_x) in text
    assert "029-85210001" in text


def test_community_list_search_by_name(client, personas):
    text = text_of(client.get(reverse("catalog:community_list"), {"q": "育才"}))
    assert "育才路社区居民委员会" in text
    assert "张家堡社区居民委员会" not in text
    assert "共 1 个社区（村）" in text


def test_community_list_filters_by_county(client, personas):
    text = text_of(client.get(reverse("catalog:community_list"), {"county": personas.weiyang.code}))
    assert "张家堡社区居民委员会" in text
    assert "育才路社区居民委员会" not in text
    assert f'value="{personas.weiyang.code}" selected' in text


def test_community_list_search_without_result_says_so(client, personas):
    text = text_of(client.get(reverse("catalog:community_list"), {"q": "不存在的社区"}))
    assert "没有找到名称含“不存在的社区”的社区（村）" in text


def test_the_search_finds_a_street_by_name(client, personas):
    text = text_of(client.get(reverse("catalog:community_list"), {"q": "小寨路"}))
    assert "育才路社区居民委员会" in text and "测试村民委员会" in text and "张家堡社区居民委员会" not in text


def test_the_search_finds_certificates_of_both_lists_by_meaning(client, personas):
    """The home page's search box leads here: '居住证明' is a certificate, not a place, and '无犯罪' one that
    communities do not issue, with where to go instead."""
    lived = text_of(client.get(reverse("catalog:community_list"), {"q": "居住证明"}))
    hits = lived[lived.index("与“居住证明”有关的证明事项") :]
    assert "居（租）住证明" in hits and "可出具" in hits
    assert "没有名称含“居住证明”的社区（村）" in lived  # no place is named so: the page says what it found instead
    crime = text_of(client.get(reverse("catalog:community_list"), {"q": "无犯罪"}))
    hits = crime[crime.index("与“无犯罪”有关的证明事项") :]
    assert "无犯罪记录证明" in hits and "不予出具" in hits and "公安机关" in hits
    nothing = text_of(client.get(reverse("catalog:community_list"), {"q": "不存在的社区"}))
    assert "有关的证明事项" not in nothing


def test_the_search_field_says_it_finds_places_and_certificates_of_both_lists(client, personas):
    """The label, example and help say what the view matches: communities and streets by name, and certificates
    of both lists (not only place names, as the label once said)."""
    text = text_of(client.get(reverse("catalog:community_list")))
    field = re.search(
        r'<label[^>]*for="community-q"[^>]*>([^<]*)</label>\s*<input([^>]*)>\s*<div[^>]*>([^<]*)</div>', text
    )
    assert field is not None
    label, attributes, help_text = field.groups()
    assert label == "社区（村）、街道或证明名称"
    assert 'aria-describedby="community-q-help"' in attributes and "居住证明" in attributes
    assert "街道" in help_text and "可出具和不予出具的证明事项" in help_text
    assert "社区、村或街道名称" not in text


def test_a_resident_opens_a_found_certificate_in_her_own_community(login, personas):
    text = text_of(login(personas.resident_a).get(reverse("catalog:community_list"), {"q": "居住证明"}))
    code = IssuableItem.objects.get(name="居（租）住证明", region=personas.yanta).code
    assert issuable_url(personas.community_x, code) in text and "育才路社区居民委员会可以出具" in text


def test_community_list_queries_do_not_grow_with_communities(client, personas, django_assert_max_num_queries):
    street = personas.community_x.parent
    for n in range(30):
        region(
            f"610113001{500 + n}",
            f"批量{n}社区居民委员会",
            Level.COMMUNITY,
            street,
            community_kind="residents_committee",
        )
    with django_assert_max_num_queries(4):
        text = text_of(client.get(reverse("catalog:community_list")))
    assert "批量29社区居民委员会" in text


# --- one community's two lists ------------------------------------------------------------------------------------


def test_yanta_community_lists_county_items_and_the_national_twenty(client, personas):
    text = text_of(client.get(community_url(personas.community_x)))
    for name in item_names(YANTA_FOR_RESIDENTS):
        assert name in text
    for item in NonIssuableItem.objects.filter(scope="national"):
        assert item.name in text
        assert non_issuable_url(personas.community_x, item.code) in text
    assert badge_counts(text) == ["7 项", "20 项"]
    assert "029-85210001" in text
    assert reverse("catalog:notice_board_pdf", args=[personas.community_x.code]) in text


def test_other_county_community_does_not_list_yanta_items(client, personas):
    text = text_of(client.get(community_url(personas.community_y)))
    assert "610113-ZM" not in text
    for name in item_names([f"610113-ZM0{n}" for n in range(1, 9)]):
        assert f">{name}<" not in text
    assert "居民身份信息证明" in text  # N02, national
    assert badge_counts(text) == ["0 项", "20 项"]


def test_village_sees_village_items_but_not_residents_committee_items(client, personas):
    text = text_of(client.get(community_url(personas.village)))
    assert "宅基地权属来源证明" in text  # ZM07, villagers' committees only
    assert "居（租）住证明" not in text  # ZM06, residents' committees only
    resident_text = text_of(client.get(community_url(personas.community_x)))
    assert "居（租）住证明" in resident_text and "宅基地权属来源证明" not in resident_text


def test_search_narrows_both_lists_and_shows_counts(client, personas):
    text = text_of(client.get(community_url(personas.community_x, "犯罪")))
    assert "无犯罪记录证明" in text
    assert "亲属关系证明" not in text
    assert "居民身份信息证明" not in text
    assert "可出具 0 项，不予出具 1 项" in text
    assert badge_counts(text) == ["0 / 共 7 项", "1 / 共 20 项"]

    text = text_of(client.get(community_url(personas.community_x, "公证")))
    assert "亲属关系证明（仅限公证）" in text
    assert "遗赠人家庭成员情况证明" not in text  # "公证" is in its purpose, not its name


def test_unknown_or_non_community_code_is_404(client, personas):
    for code in ("610113001999", personas.yanta.code, "abc", "6101130010011"):
        assert client.get(f"/catalog/c/{code}/").status_code == 404
        assert client.get(f"/catalog/c/{code}/issuable/610113-ZM01/").status_code == 404


def test_community_page_query_count_is_bounded(client, personas, django_assert_max_num_queries):
    # the two lists in force, the community, and one query per list for the items announced for a later date
    with django_assert_max_num_queries(5):
        client.get(community_url(personas.community_x))
    # A search reads each list once more (names compare by meaning, in Python) and the concepts once (then cached).
    with django_assert_max_num_queries(8):
        client.get(community_url(personas.community_x, "证明"))


# --- an issuable item ---------------------------------------------------------------------------------------------


def test_issuable_page_shows_basis_materials_time_limit_and_sample(client, personas):
    text = text_of(client.get(issuable_url(personas.community_x, "610113-ZM01")))
    assert "<h1" in text and "亲属关系证明（仅限公证）" in text
    # legal bases: title, issuer, number, article, date
    assert "《中华人民共和国公证法》" in text
    assert "全国人民代表大会常务委员会" in text
    assert "第十一条" in text and "2006-03-01" in text
    assert "民发〔2020〕20号" in text
    assert "待区县核实" not in text
    # purposes, requesting bodies, materials with their requirement
    assert "办理亲属关系公证" in text and "公证机构" in text
    assert re.search(r"当事人居民身份证</span>\s*<span[^>]*>必需", text)
    assert re.search(r"公证机构出具的核实函</span>\s*<span[^>]*>可选", text)
    assert "5个工作日" in text and "3个月" in text
    assert "查阅户籍档案、走访" in text  # a procedure step
    # form sample filled with example values, marked as a sample
    assert "式样" in text
    assert "经核实，张三（公民身份号码：610113199001011234）与李四系父子关系" in text
    assert "{relative_name}" not in text


def test_issuable_page_on_the_spot_and_no_internal_confirmation_notes(client, personas):
    # ZM06's basis is flagged for the county's confirmation: an internal matter, never printed for the public.
    text = text_of(client.get(issuable_url(personas.community_x, "610113-ZM06")))
    assert "当场办结" in text
    assert "个工作日" not in text
    assert "待区县核实" not in text and "待核" not in text
    assert "《居住证暂行条例》" in text


def test_issuable_page_commitment_validity_and_deliberation(client, personas):
    text = text_of(client.get(issuable_url(personas.community_x, "610113-ZM03")))
    assert re.search(r"收入情况材料</span>\s*<span[^>]*>可以告知承诺替代", text)
    village_text = text_of(client.get(issuable_url(personas.village, "610113-ZM07")))
    assert "不设有效期" in village_text
    assert "须经居民议事协商后出具" in village_text


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda p: IssuableItemFactory(region=p.yanta, code="T-DRAFT"), id="draft"),
        pytest.param(lambda p: IssuableItemFactory(region=p.yanta, code="T-OLD", retired=True), id="retired"),
        pytest.param(lambda p: IssuableItemFactory(region=p.weiyang, code="T-WY", published=True), id="other-county"),
    ],
)
def test_issuable_items_not_in_force_for_the_community_are_404(client, personas, make):
    item = make(personas)
    assert client.get(issuable_url(personas.community_x, item.code)).status_code == 404
    assert item.name not in text_of(client.get(community_url(personas.community_x)))


def test_issuable_item_of_the_other_kind_is_404(client, personas):
    assert client.get(issuable_url(personas.community_x, "610113-ZM07")).status_code == 404
    assert client.get(issuable_url(personas.village, "610113-ZM06")).status_code == 404
    assert client.get(issuable_url(personas.community_y, "610113-ZM01")).status_code == 404
    assert client.get(issuable_url(personas.community_x, "N01")).status_code == 404


def test_other_county_item_is_shown_in_its_own_county(client, personas):
    item = IssuableItemFactory(region=personas.weiyang, code="T-WY", name="未央区示例证明", published=True)
    assert "未央区示例证明" in text_of(client.get(issuable_url(personas.community_y, item.code)))


# --- a non-issuable item ------------------------------------------------------------------------------------------


def test_non_issuable_page_says_where_to_go_instead(client, personas):
    item = NonIssuableItem.objects.get(code="N01")
    text = text_of(client.get(non_issuable_url(personas.community_x, "N01")))
    assert "育才路社区居民委员会不出具此证明" in text
    assert item.alternative_department in text
    assert "户口簿、结婚证、出生医学证明" in text  # the channel
    assert "例外情形" in text and "公证事项无法通过上述途径核实的" in text
    assert "民发〔2020〕20号 附件" in text  # source list
    assert "公通字〔2016〕21号" in text  # legal basis
    assert "以当地部门公布为准" not in text


def test_non_issuable_page_notes_unconfirmed_channels(client, personas):
    text = text_of(client.get(non_issuable_url(personas.community_x, "N04")))
    assert "居民养犬证明" in text
    assert "办理途径以当地部门公布为准" in text


def test_non_issuable_items_not_in_force_are_404(client, personas):
    draft = NonIssuableItemFactory(region=personas.yanta, code="T-BZ-DRAFT")
    other = NonIssuableItemFactory(region=personas.weiyang, code="T-BZ-WY", published=True)
    assert client.get(non_issuable_url(personas.community_x, draft.code)).status_code == 404
    assert client.get(non_issuable_url(personas.community_x, other.code)).status_code == 404
    assert client.get(non_issuable_url(personas.community_y, other.code)).status_code == 200
    assert client.get(non_issuable_url(personas.community_x, "610113-ZM01")).status_code == 404


# --- for everyone, and accessible ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["anonymous", "resident_b", "other_county_officer"])
def test_pages_are_public_for_every_persona(login, personas, persona):
    client = login(personas.by_name(persona))
    assert client.get(community_url(personas.community_x)).status_code == 200
    assert client.get(issuable_url(personas.community_x, "610113-ZM01")).status_code == 200


def test_pages_have_one_h1_breadcrumbs_and_labelled_search(client, personas):
    village = region(
        "610113001202", "第二测试村民委员会", Level.COMMUNITY, personas.village.parent,
        community_kind=CommunityKind.VILLAGERS_COMMITTEE,
    )  # fmt: skip
    urls = [
        reverse("catalog:community_list"),
        community_url(village),
        community_url(personas.community_x, "证明"),
        issuable_url(personas.community_x, "610113-ZM01"),
        non_issuable_url(personas.community_x, "N01"),
    ]
    for url in urls:
        text = text_of(client.get(url))
        assert text.count("<h1") == 1, url
        assert '<nav aria-label="面包屑导航">' in text, url
        assert 'aria-current="page"' in text, url
        levels = [int(n) for n in re.findall(r"<h([1-6])", text)]
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), (url, levels)
        for input_id in re.findall(r'<input[^>]*type="search"[^>]*id="([^"]+)"', text):
            assert f'for="{input_id}"' in text, url


def test_a_future_dated_item_is_announced_from_its_date_not_as_in_force(client, personas, login):
    """Issue 14: an item published with a later start says from when (自…起施行), and is not listed as in force."""
    starts = timezone.localdate() + dt.timedelta(days=20)
    item = IssuableItemFactory(region=personas.yanta, name="下月施行的测试证明", effective_from=starts)
    services.item_publish(item=item, actor=personas.county_officer)
    page = client.get(reverse("catalog:community_detail", args=[personas.community_x.code])).content.decode()
    upcoming = page.split('id="upcoming-heading"')[1]
    assert "下月施行的测试证明" in upcoming
    assert f"自{starts.year}年{starts.month}月{starts.day}日起施行" in upcoming
    assert "下月施行的测试证明" not in page.split('id="upcoming-heading"')[0]
    detail = reverse("catalog:issuable_detail", args=[personas.community_x.code, item.code])
    assert client.get(detail).status_code == 404  # not in force yet

    # the officer who publishes one is told the same
    draft = IssuableItemFactory(region=personas.yanta, name="另一项下月施行的证明", effective_from=starts)
    officer = login(personas.county_officer)
    publish = reverse("catalog_officer:item_publish", kwargs={"kind": "issuable", "pk": draft.pk})
    followed = officer.post(publish, follow=True).content.decode()
    assert f"已发布，自{starts.year}年{starts.month}月{starts.day}日起施行" in followed
    assert "社区现在可以按此事项出具证明" not in followed
