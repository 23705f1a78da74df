"""The data migrations load the national first batch and the demo county's issuable examples."""

import pytest

from catalog.models import IssuableItem, NonIssuableItem, Scope, Status

NATIONAL_NAMES = [
    "亲属关系证明",
    "居民身份信息证明",
    "户口登记项目内容变更申请证明",
    "居民养犬证明",
    "无犯罪记录证明",
    "社区戒毒社区康复人员情况证明（表现证明）",
    "人员失踪证明",
    "婚姻状况证明",
    "出生证明",
    "健在证明",
    "死亡证明",
    "疾病状况证明",
    "残疾状况证明",
    "婚育状况证明",
    "居民就业状况证明",
    "居民个人档案证明",
    "居民财产证明",
    "遗产继承权证明",
    "市场主体住所证明",
    "证件遗失证明",
]


@pytest.mark.django_db
def test_national_first_batch_has_the_twenty_official_items_each_with_somewhere_to_go():
    items = NonIssuableItem.objects.filter(scope=Scope.NATIONAL).order_by("code")
    assert [i.name for i in items] == NATIONAL_NAMES
    for item in items:
        assert item.status == Status.PUBLISHED and item.is_in_force()
        assert item.alternative_department.strip() and item.alternative_channel.strip()
        assert "民发〔2020〕20号" in item.source_list
        item.full_clean()
        assert item.history.count() == 1


@pytest.mark.django_db
def test_uncertain_alternatives_are_flagged_for_confirmation():
    # 健在证明 is tagged uncertain in the reference; 无犯罪记录证明 was seen in a public source.
    assert NonIssuableItem.objects.get(name="健在证明").needs_confirmation
    assert not NonIssuableItem.objects.get(name="无犯罪记录证明").needs_confirmation


@pytest.mark.django_db
def test_demo_county_issuable_examples_are_valid_and_flag_uncertain_bases():
    items = IssuableItem.objects.filter(region__code="610113000000")
    assert items.count() == 8
    for item in items:
        item.full_clean()  # every rule holds: basis cited, no liability, placeholders declared, no name clash
        assert item.is_in_force() and item.materials and item.procedure
    residence = items.get(name="居（租）住证明")
    assert residence.bases_needing_confirmation()
    assert residence.time_limit_workdays == 0
    assert items.get(name="涉及社区公共利益事项的情况证明").requires_deliberation
    kinship = items.get(name="亲属关系证明（仅限公证）")
    assert not kinship.bases_needing_confirmation() and kinship.time_limit_workdays == 5


def test_public_texts_of_the_national_list_carry_no_internal_source_notes(db):
    from catalog.models import NonIssuableItem

    for item in NonIssuableItem.objects.filter(scope="national"):
        for text in (item.exception, item.reason, item.alternative_channel):
            assert "山东" not in text and "引附件" not in text, (item.code, text)
