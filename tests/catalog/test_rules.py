"""Catalog rules enforced in the model layer (and the database where it can be)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from catalog.models import IssuableItem, NonIssuableItem, PublishedItemDeletion, Scope
from catalog.rules import normalize_name, render_body
from tests.factories import IssuableItemFactory, NonIssuableItemFactory


def messages(error: ValidationError) -> str:
    return " ".join(error.messages)


def test_an_issuable_item_cites_at_least_one_basis(personas):
    item = IssuableItemFactory.build(region=personas.yanta, legal_bases=[])
    with pytest.raises(ValidationError) as error:
        item.full_clean()
    assert "至少要有一项" in messages(error.value)


def test_an_item_carrying_liability_can_never_be_issuable(personas):
    item = IssuableItemFactory.build(region=personas.yanta, involves_liability=True)
    with pytest.raises(ValidationError) as error:
        item.full_clean()
    assert "印章不能用于" in messages(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        IssuableItem.objects.bulk_create([item])  # bypassing the model layer hits the database constraint


@pytest.mark.parametrize("text", ["为其贷款提供担保", "本社区承担连带责任"])
def test_liability_wording_in_the_body_is_refused(personas, text):
    item = IssuableItemFactory.build(region=personas.yanta, body_template=text)
    with pytest.raises(ValidationError) as error:
        item.full_clean()
    assert "法律责任或经济连带责任" in messages(error.value)


def test_a_county_cannot_make_a_national_non_issuable_item_issuable(personas):
    item = IssuableItemFactory.build(region=personas.yanta, name="无犯罪记录证明")
    with pytest.raises(ValidationError) as error:
        item.full_clean()
    assert "N05" in messages(error.value)
    # cosmetic variants (full-width spaces, brackets) collide too
    item.name = "婚姻状况证明 "
    with pytest.raises(ValidationError):
        item.full_clean()


def test_the_same_name_may_exist_in_unrelated_places(personas):
    NonIssuableItemFactory(region=personas.weiyang, name="独生子女证明", published=True)
    IssuableItemFactory.build(region=personas.yanta, name="独生子女证明").full_clean()
    with pytest.raises(ValidationError):
        IssuableItemFactory.build(region=personas.weiyang, name="独生子女证明").full_clean()


def test_a_county_non_issuable_item_cannot_shadow_its_own_issuable_item(personas):
    with pytest.raises(ValidationError):
        NonIssuableItemFactory.build(region=personas.yanta, name="居（租）住证明").full_clean()


def test_a_non_issuable_item_must_say_where_to_go(personas):
    item = NonIssuableItemFactory.build(region=personas.yanta, alternative_department="")
    with pytest.raises(ValidationError) as error:
        item.full_clean()
    assert "无处可去" in messages(error.value)


def test_placeholders_must_be_declared_fields(personas):
    item = IssuableItemFactory.build(region=personas.yanta, body_template="兹证明{applicant_name}住在{address}。")
    with pytest.raises(ValidationError) as error:
        item.full_clean()
    assert "{address}" in messages(error.value)
    item.fields = [{"name": "address", "label": "住址", "type": "text", "required": True, "example": "某路1号"}]
    item.full_clean()
    assert item.sample_text() == "兹证明张三住在某路1号。"


def test_scope_and_region_level_agree(personas):
    with pytest.raises(ValidationError):
        IssuableItemFactory.build(region=personas.community_x).full_clean()
    with pytest.raises(ValidationError):
        IssuableItemFactory.build(scope=Scope.NATIONAL, region=personas.yanta).full_clean()


def test_a_published_item_is_never_deleted_only_retired(personas):
    item = IssuableItemFactory(region=personas.yanta, published=True)
    with pytest.raises(PublishedItemDeletion):
        item.delete()
    with pytest.raises(PublishedItemDeletion):
        IssuableItem.objects.filter(pk=item.pk).delete()
    assert IssuableItem.objects.filter(pk=item.pk).exists()
    with pytest.raises(PublishedItemDeletion):
        NonIssuableItem.objects.filter(code="N01").delete()
    draft = IssuableItemFactory(region=personas.yanta)
    draft.delete()
    assert not IssuableItem.objects.filter(pk=draft.pk).exists()


def test_end_date_not_before_start(personas):
    item = IssuableItemFactory.build(region=personas.yanta, effective_to=dt.date(2000, 1, 1))
    with pytest.raises(ValidationError):
        item.full_clean()


def test_helpers():
    assert normalize_name("亲属关系证明（仅限公证）") == normalize_name("亲属关系证明 (仅限公证)")
    assert render_body("{a}和{b}", {"a": "甲"}) == "甲和{b}"


def test_all_rule_violations_are_reported_at_once_on_their_fields(personas):
    item = IssuableItemFactory.build(
        region=personas.yanta, legal_bases=[], body_template="为{applicant_name}的贷款提供担保，金额{amount}。"
    )
    with pytest.raises(ValidationError) as error:
        item.full_clean()
    fields = error.value.message_dict
    assert "legal_bases" in fields and "body_template" in fields
    body_messages = " ".join(fields["body_template"])
    assert "担保" in body_messages and "{amount}" in body_messages


# --- optional sentences, dates, villages and samples (issue 10) --------------------------------------------------

OPTIONAL_FIELDS = [
    {"name": "marital_status", "label": "婚姻状况", "type": "text", "required": True, "example": "已婚"},
    {"name": "spouse_name", "label": "配偶姓名", "type": "text", "required": False, "example": "王五"},
]


def test_an_empty_optional_field_leaves_no_words_behind():
    body = "婚姻状况为{marital_status}[[，配偶：{spouse_name}]]。"
    assert render_body(body, {"marital_status": "未婚", "spouse_name": ""}) == "婚姻状况为未婚。"
    assert render_body(body, {"marital_status": "未婚", "spouse_name": "  "}) == "婚姻状况为未婚。"
    assert render_body(body, {"marital_status": "已婚", "spouse_name": "王五"}) == "婚姻状况为已婚，配偶：王五。"


def test_an_optional_field_outside_an_optional_sentence_is_refused(personas):
    item = IssuableItemFactory.build(
        region=personas.yanta, fields=OPTIONAL_FIELDS, body_template="婚姻状况为{marital_status}，配偶：{spouse_name}。"
    )
    with pytest.raises(ValidationError) as error:
        item.full_clean()
    assert "选填字段 {配偶姓名}" in messages(error.value) and "[[" in messages(error.value)  # named as officers see it
    item.body_template = "婚姻状况为{marital_status}[[，配偶：{spouse_name}]]。"
    item.full_clean()
    assert item.sample_text() == "婚姻状况为已婚，配偶：王五。"


@pytest.mark.parametrize("body", ["[[，配偶：{spouse_name}", "配偶]]{spouse_name}", "[[没有字段]]{marital_status}"])
def test_optional_sentences_must_be_well_formed(personas, body):
    item = IssuableItemFactory.build(region=personas.yanta, fields=OPTIONAL_FIELDS, body_template=body)
    with pytest.raises(ValidationError) as error:
        item.full_clean()
    assert "[[" in messages(error.value)


def test_a_village_says_village_and_dates_are_chinese():
    from catalog.rules import chinese_dates, for_committee

    body = "{applicant_name}系本社区居民，经社区居民委员会核实。"
    assert for_committee(body, "villagers_committee") == "{applicant_name}系本村村民，经村民委员会核实。"
    assert for_committee(body, "residents_committee") == body
    assert chinese_dates("2023-05-01") == "2023年5月1日"
    assert chinese_dates("住在2023-05-01路") == "住在2023-05-01路"  # only a whole date value


def test_every_item_sample_speaks_of_its_own_purposes_only(db):
    items = IssuableItem.objects.filter(code__startswith="610113-ZM")
    assert items.count() >= 8
    all_purposes = {p for item in items for p in item.purposes}
    for item in items:
        sample = item.sample_text()
        foreign = [
            p for p in all_purposes if p in sample and p not in item.purposes and not any(p in q for q in item.purposes)
        ]
        assert not foreign, (item.code, foreign)
        assert "办理公证" not in sample or any("公证" in p for p in item.purposes), item.code
    residence = items.get(code="610113-ZM06")
    assert "本证明仅用于申领居住证。" in residence.sample_text()
    village_only = items.get(code="610113-ZM07")
    assert "示例社区" not in village_only.sample_text()


def test_an_unmarried_residents_marital_certificate_prints_no_empty_spouse(db):
    from catalog.rules import render_body as render

    item = IssuableItem.objects.get(code="610113-ZM05")
    text = render(item.body_template, {"marital_status": "未婚", "spouse_name": "", "applicant_name": "张三"})
    assert "配偶" not in text
    assert item.history.first().body_template == item.body_template  # the change is a recorded version
