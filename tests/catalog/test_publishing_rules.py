"""Publishing rules that read meaning (catalog/services.py with catalog/resolver.py), and the two decisions they can
wait for: the province's review of a name near a non-issuable item, the county's confirmation of a flagged basis."""

import pytest
from django.core.exceptions import ValidationError

from catalog import services
from catalog.models import BasisConfirmation, IssuableItem, NonIssuableItem, ReviewStatus, Status
from tests.factories import IssuableItemFactory, NonIssuableItemFactory

pytestmark = pytest.mark.django_db


def publish(item, actor):
    return services.item_publish(item=item, actor=actor)


def test_a_renamed_national_non_issuable_item_cannot_even_be_drafted(personas):
    item = IssuableItemFactory.build(region=personas.yanta, name="居民無犯罪記錄證明")
    with pytest.raises(ValidationError) as error:
        services.item_save(item=item, actor=personas.county_officer)
    message = error.value.message_dict["name"][0]
    assert "“无犯罪记录证明”（N05）" in message and "公安机关" in message


def test_a_synonym_added_after_the_draft_still_blocks_publishing(personas):
    from catalog.models import CertificateConcept

    draft = IssuableItemFactory(region=personas.yanta, name="平安证明")
    concept = CertificateConcept.objects.get(name="无犯罪记录")
    concept.names = [*concept.names, "平安证明"]
    services.concept_save(concept=concept, actor=personas.provincial_officer)
    with pytest.raises(ValidationError) as error:
        publish(draft, personas.county_officer)
    message = " ".join(error.value.messages)
    assert "无犯罪记录证明" in message and "N05" in message and "公安机关" in message
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_a_body_that_certifies_a_non_issuable_concept_blocks_publishing(personas):
    draft = IssuableItemFactory(
        region=personas.yanta, name="表现情况证明", body_template="兹证明{applicant_name}无违法犯罪记录。\n特此证明。"
    )
    with pytest.raises(ValidationError) as error:
        publish(draft, personas.county_officer)
    assert "body_template" in error.value.message_dict
    assert "无犯罪记录证明" in error.value.message_dict["body_template"][0]
    draft.body_template = "兹证明{applicant_name}系本社区居民。\n特此证明。"
    draft.save()
    assert publish(draft, personas.county_officer).status == Status.PUBLISHED


def test_a_local_non_issuable_item_of_a_lower_level_does_not_bind_the_province(personas):
    NonIssuableItemFactory(region=personas.yanta, name="摊位证明", published=True)
    assert services.name_resolution(IssuableItemFactory.build(region=personas.yanta, name="摊位证明")).non_issuable
    item = IssuableItemFactory.build(region=personas.province, scope="province", name="摊位证明")
    assert services.name_resolution(item).non_issuable == []


def test_a_near_name_waits_for_the_province_then_publishes(personas):
    draft = IssuableItemFactory(region=personas.yanta, name="无犯罪记录情况说明证明")
    with pytest.raises(services.NameReviewRequired) as error:
        publish(draft, personas.county_officer)
    assert "无犯罪记录证明" in error.value.messages[0] and "须经省级民政部门审核" in error.value.messages[0]

    review = services.name_review_request(item=draft, actor=personas.county_officer, note="依据某规定可由社区出具")
    assert review.status == ReviewStatus.PENDING and review.resembles[0]["code"] == "N05"
    with pytest.raises(services.NameReviewRequired, match="正在等待审核"):
        publish(draft, personas.county_officer)

    services.name_review_decide(review=review, actor=personas.provincial_officer, approve=True, note="同意")
    assert publish(draft, personas.county_officer).status == Status.PUBLISHED
    review.refresh_from_db()
    assert review.decided_by == personas.provincial_officer and review.decided_at is not None
    assert [h.status for h in review.history.order_by("history_date")] == ["pending", "approved"]


def test_a_refusal_says_why_and_a_new_request_is_a_new_row(personas):
    draft = IssuableItemFactory(region=personas.yanta, name="无犯罪记录情况说明证明")
    review = services.name_review_request(item=draft, actor=personas.county_officer, note="理由")
    with pytest.raises(ValidationError, match="请写明理由"):
        services.name_review_decide(review=review, actor=personas.provincial_officer, approve=False, note=" ")
    services.name_review_decide(review=review, actor=personas.provincial_officer, approve=False, note="就是N05")
    with pytest.raises(services.NameReviewRequired, match="省级民政部门不同意发布：就是N05"):
        publish(draft, personas.county_officer)
    with pytest.raises(ValidationError, match="已经处理"):
        services.name_review_decide(review=review, actor=personas.provincial_officer, approve=True, note="")
    again = services.name_review_request(item=draft, actor=personas.county_officer, note="补充了依据")
    assert again.pk != review.pk and draft.name_reviews.count() == 2


def test_an_approval_holds_for_the_name_it_was_given(personas):
    draft = IssuableItemFactory(region=personas.yanta, name="无犯罪记录情况说明证明")
    review = services.name_review_request(item=draft, actor=personas.county_officer, note="理由")
    services.name_review_decide(review=review, actor=personas.provincial_officer, approve=True, note="")
    item = publish(draft, personas.county_officer)
    item.name = "无犯罪记录情况查询证明"
    with pytest.raises(services.NameReviewRequired):
        services.item_save(item=item, actor=personas.county_officer, reason="测试修改")
    item.refresh_from_db()
    item.time_limit_workdays = 5  # an edit that keeps the approved name needs no new review
    services.item_save(item=item, actor=personas.county_officer, reason="测试修改")


def test_a_near_name_that_is_not_near_needs_no_review(personas):
    draft = IssuableItemFactory(region=personas.yanta, name="志愿服务证明")
    with pytest.raises(ValidationError, match="无需省级审核"):
        services.name_review_request(item=draft, actor=personas.county_officer, note="理由")
    assert publish(draft, personas.county_officer).status == Status.PUBLISHED


def test_the_yanta_examples_keep_their_names_after_an_edit(personas):
    # 亲属关系证明（仅限公证） and 婚姻状况证明（婚姻登记档案遗失时） are near N01/N08 but were published before the
    # review existed: an edit that keeps the name keeps them published.
    for code in ("610113-ZM01", "610113-ZM05"):
        item = IssuableItem.objects.get(code=code)
        item.notes = "更新备注"
        services.item_save(item=item, actor=personas.county_officer, reason="测试修改")


# --- Unconfirmed bases ----------------------------------------------------------------------------------------------

FLAGGED = [{"title": "居住证暂行条例", "issuer": "国务院", "article": "条号待核", "needs_confirmation": True}]


def test_a_flagged_basis_blocks_publishing_until_the_county_confirms(personas):
    draft = IssuableItemFactory(region=personas.yanta, name="志愿服务证明", legal_bases=FLAGGED)
    with pytest.raises(ValidationError) as error:
        publish(draft, personas.county_officer)
    assert "legal_bases" in error.value.message_dict
    with pytest.raises(ValidationError, match="请写明核实情况"):
        services.basis_confirm(item=draft, actor=personas.county_officer, note="")
    record = services.basis_confirm(item=draft, actor=personas.county_officer, note="核对国务院令第663号第九条")
    assert record.confirmed == ["居住证暂行条例"] and record.confirmed_by == personas.county_officer
    draft.refresh_from_db()
    assert not draft.bases_needing_confirmation()
    assert draft.history.first().history_change_reason == "确认依据：核对国务院令第663号第九条"
    assert publish(draft, personas.county_officer).status == Status.PUBLISHED


def test_a_flag_is_not_cleared_by_unticking_it(personas):
    draft = IssuableItemFactory(region=personas.yanta, name="志愿服务证明", legal_bases=FLAGGED)
    draft.legal_bases = [{**FLAGGED[0], "needs_confirmation": False}]
    with pytest.raises(ValidationError, match="确认依据"):
        services.item_save(item=draft, actor=personas.county_officer, reason="测试修改")
    non_issuable = NonIssuableItemFactory(region=personas.yanta, name="摊位证明", needs_confirmation=True)
    non_issuable.needs_confirmation = False
    with pytest.raises(ValidationError, match="确认依据"):
        services.item_save(item=non_issuable, actor=personas.county_officer, reason="测试修改")


def test_a_flagged_referral_blocks_publishing_a_non_issuable_item(personas):
    draft = NonIssuableItemFactory(region=personas.yanta, name="摊位证明", needs_confirmation=True)
    with pytest.raises(ValidationError):
        publish(draft, personas.county_officer)
    services.basis_confirm(item=draft, actor=personas.county_officer, note="已与市场监管局核对")
    assert publish(draft, personas.county_officer).status == Status.PUBLISHED


def test_a_county_confirms_a_national_referral_for_itself_only(personas):
    national = NonIssuableItem.objects.get(code="N10")
    assert national.needs_confirmation
    record = services.basis_confirm(item=national, actor=personas.county_officer, note="区人社局确认")
    assert record.region == personas.yanta
    national.refresh_from_db()
    assert national.needs_confirmation  # still flagged for the other counties
    assert services.is_confirmed_for(national, personas.yanta)
    assert not services.is_confirmed_for(national, personas.weiyang)
    with pytest.raises(ValidationError, match="已经确认过"):
        services.basis_confirm(item=national, actor=personas.county_officer, note="again")
    with pytest.raises(ValidationError, match="区县民政干部"):
        services.basis_confirm(item=national, actor=personas.staff_x, note="x")
    assert BasisConfirmation.objects.count() == 1


def test_a_draft_renamed_while_its_review_is_pending_waits_for_that_review(personas):
    draft = IssuableItemFactory(region=personas.yanta, name="无犯罪记录情况说明证明")
    services.name_review_request(item=draft, actor=personas.county_officer, note="理由")
    draft.name = "无犯罪记录情况介绍证明"
    services.item_save(item=draft, actor=personas.county_officer, reason="测试修改")
    with pytest.raises(ValidationError, match="原名称“无犯罪记录情况说明证明”的省级审核尚未完成"):
        services.name_review_request(item=draft, actor=personas.county_officer, note="改名了")
