"""Officers' pages for the vocabulary and the decisions, through HTTP: concepts and liability phrases (provincial
officers edit with history, county officers read), the province's review queue, the county's confirmation of flagged
bases, the dashboard's waiting list; and the public side: search by meaning, no internal 待核 notes."""

import html
import re

import pytest
from django.urls import reverse

from catalog.models import (
    BasisConfirmation,
    CertificateConcept,
    IssuableItem,
    LiabilityPhrase,
    NameReview,
    NonIssuableItem,
    Status,
)
from certificates import services as certificate_services
from tests.factories import IssuableItemFactory, NonIssuableItemFactory

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(f"catalog_officer:{name}", kwargs=kwargs)


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def item_url(name, item):
    kind = "issuable" if isinstance(item, IssuableItem) else "non-issuable"
    return url(name, kind=kind, pk=item.pk)


# --- Concepts and synonyms --------------------------------------------------------------------------------------


def test_county_officers_read_the_concepts_provincial_officers_edit_them(personas, login):
    concept = CertificateConcept.objects.get(name="健在")
    client = login(personas.county_officer)
    text = page(client.get(url("concept_list")))
    assert "健在" in text and "在世证明" in text and "N10 健在证明" in text and "新建证明概念" not in text
    assert client.get(url("concept_edit", pk=concept.pk)).status_code == 403
    assert client.post(url("concept_create"), {"name": "x", "names": "y"}).status_code == 403

    client = login(personas.provincial_officer)
    response = client.post(
        url("concept_edit", pk=concept.pk),
        {
            "name": "健在",
            "names": "\n".join([*concept.names, "阳间证明"]),
            "body_keywords": "\n".join(concept.body_keywords),
            "item_codes": "N10",
            "note": "",
            "change_reason": "群众反映的新叫法",
        },
    )
    assert response.status_code == 302
    text = page(client.get(url("concept_detail", pk=concept.pk)))
    assert "阳间证明" in text and "群众反映的新叫法" in text and personas.provincial_officer.display_name in text
    assert "+阳间证明" in text  # the version shows what it added


def test_a_name_of_another_concept_comes_back_with_what_was_typed(personas, login):
    client = login(personas.provincial_officer)
    data = {"name": "测试概念", "names": "良民证\n测试叫法", "body_keywords": "…", "item_codes": "N05", "note": ""}
    text = page(client.post(url("concept_create"), data))
    assert "已是证明概念“无犯罪记录”的叫法" in text and "前后都要有文字" in text
    assert "测试叫法" in text and not CertificateConcept.objects.filter(name="测试概念").exists()


# --- Liability phrases -------------------------------------------------------------------------------------------


def test_provincial_officers_add_and_switch_off_liability_phrases(personas, login):
    client = login(personas.county_officer)
    text = page(client.get(url("phrase_list")))
    assert "代为清偿" in text and "添加用语" not in text and "保证金" in text
    assert client.post(url("phrase_list"), {"phrase": "背书"}).status_code == 403

    client = login(personas.provincial_officer)
    text = page(client.post(url("phrase_list"), {"phrase": "……", "note": ""}))
    assert "前后都要有文字" in text and not LiabilityPhrase.objects.filter(phrase="……").exists()
    assert (
        client.post(url("phrase_list"), {"phrase": "为其背书", "note": "背书即作保", "active": "on"}).status_code == 302
    )
    phrase = LiabilityPhrase.objects.get(phrase="为其背书")
    client.post(url("phrase_detail", pk=phrase.pk), {"phrase": "为其背书", "note": "", "change_reason": "停用"})
    phrase.refresh_from_db()
    assert not phrase.active
    text = page(client.get(url("phrase_detail", pk=phrase.pk)))
    assert "停用" in text and "第 2 版" in text and personas.provincial_officer.display_name in text


# --- Publishing over HTTP: stopped, waiting for the province, approved ---------------------------------------------


def test_a_near_name_waits_for_the_province_and_the_county_sees_it(personas, login):
    draft = IssuableItemFactory(region=personas.yanta, name="无犯罪记录情况说明证明")
    client = login(personas.county_officer)
    response = client.post(item_url("item_publish", draft), follow=True)
    text = page(response)
    assert "须经省级民政部门审核" in text and "无犯罪记录证明" in text and "提请省级审核" in text
    client.post(item_url("review_request", draft), {"request_note": "依据某规定，社区可出具情况说明"})
    review = NameReview.objects.get(item=draft)
    text = page(client.get(item_url("item_detail", draft)))
    assert "等待省级审核" in text and "提请省级审核</button>" not in text
    assert "等待省级审核" in page(client.get(url("dashboard")))
    assert client.post(url("review_decide", pk=review.pk), {"decision": "approve"}).status_code == 403

    province = login(personas.provincial_officer)
    text = page(province.get(url("review_queue")))
    assert "无犯罪记录情况说明证明" in text and "依据某规定" in text and "提交审核意见" in text
    text = page(province.post(url("review_decide", pk=review.pk), {"decision": "refuse"}, follow=True))
    assert "不同意时请写明理由" in text or "请写明理由" in text
    province.post(url("review_decide", pk=review.pk), {"decision": "approve", "decision_note": "依据充分"})
    review.refresh_from_db()
    assert review.status == "approved" and review.decided_by == personas.provincial_officer

    client = login(personas.county_officer)
    client.post(item_url("item_publish", draft))
    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED
    history = page(client.get(item_url("item_history", draft)))
    assert "省级审核" in history and "依据充分" in history


def test_the_other_county_sees_no_foreign_review(personas, login):
    draft = IssuableItemFactory(region=personas.yanta, name="无犯罪记录情况说明证明")
    NameReview.objects.create(item=draft, name=draft.name, request_note="x", requested_by=personas.county_officer)
    assert "无犯罪记录情况说明证明" not in page(login(personas.other_county_officer).get(url("review_queue")))


def test_a_renamed_abolished_item_is_stopped_naming_the_national_item(personas, login):
    from tests.catalog.test_officer_views import issuable_post

    client = login(personas.county_officer)
    text = page(
        client.post(url("item_create", kind="issuable"), issuable_post(personas.yanta, name="居民无犯罪记录证明"))
    )
    assert "“居民无犯罪记录证明”就是全国的不予出具证明事项“无犯罪记录证明”（N05）" in text and "公安机关" in text
    assert not IssuableItem.objects.filter(name="居民无犯罪记录证明").exists()


# --- Unconfirmed bases -----------------------------------------------------------------------------------------------


def test_the_county_confirms_a_flagged_basis_and_then_publishes(personas, login):
    draft = IssuableItemFactory(
        region=personas.yanta,
        name="志愿服务证明",
        legal_bases=[{"title": "志愿服务条例", "article": "条号待核", "needs_confirmation": True}],
    )
    client = login(personas.county_officer)
    assert "志愿服务证明" in page(client.get(url("dashboard")))
    text = page(client.post(item_url("item_publish", draft), follow=True))
    assert "确认依据" in text and "未能发布" in text
    text = page(client.post(item_url("item_confirm", draft), {"note": ""}, follow=True))
    assert "请写明核实情况" in text
    client.post(item_url("item_confirm", draft), {"note": "核对国务院令第685号"})
    record = BasisConfirmation.objects.get(issuable=draft)
    assert record.confirmed_by == personas.county_officer
    text = page(client.get(item_url("item_detail", draft)))
    assert "核对国务院令第685号" in text
    client.post(item_url("item_publish", draft))
    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED


def waiting_section(client) -> str:
    text = page(client.get(url("dashboard")))
    return text.split('id="waiting-heading"')[1].split('id="counts-heading"')[0] if "waiting-heading" in text else ""


def test_the_dashboard_lists_national_referrals_the_county_has_not_confirmed(personas, login):
    client = login(personas.county_officer)
    n10 = NonIssuableItem.objects.get(code="N10")
    assert "健在证明" in waiting_section(client)
    client.post(item_url("item_confirm", n10), {"note": "区社保中心确认"})
    assert "健在证明" not in waiting_section(client)
    # the other county still has it to do; the province cannot confirm for a county
    assert "健在证明" in waiting_section(login(personas.other_county_officer))
    login(personas.provincial_officer).post(item_url("item_confirm", n10), {"note": "x"})
    assert BasisConfirmation.objects.filter(non_issuable=n10).count() == 1


# --- The public side and the county's statistics ----------------------------------------------------------------


def public(client, q):
    return page(client.get(reverse("catalog:community_detail", args=["610113001001"]) + f"?q={q}"))


@pytest.mark.parametrize("q", ["居住", "租房", "居(租)住"])
def test_public_search_finds_the_residence_certificate(personas, client, q):
    assert "居（租）住证明" in public(client, q)


def test_public_search_finds_an_abolished_certificate_by_its_colloquial_name_and_where_to_go(personas, client):
    text = public(client, "在世")
    assert "健在证明" in text and "社会保险经办机构" in text
    assert "无犯罪记录证明" in public(client, "良民证")


def test_public_pages_and_notices_never_print_internal_confirmation_notes(personas, client):
    pages = [
        reverse("catalog:community_detail", args=["610113001001"]),
        *(reverse("catalog:issuable_detail", args=["610113001001", f"610113-ZM0{n}"]) for n in (5, 6, 8)),
        *(reverse("catalog:non_issuable_detail", args=["610113001001", f"N{n:02d}"]) for n in (5, 8, 10, 11)),
    ]
    for address in pages:
        text = page(client.get(address))
        assert "待核" not in text and "待区县核实" not in text, address
    client.force_login(personas.resident_a)
    client.post(reverse("requests:refusal_notice_create", args=["610113001001", "N05"]))
    from certificates.models import RefusalNotice

    notice = RefusalNotice.objects.get()
    text = page(client.get(reverse("requests:refusal_notice", args=[notice.token])))
    assert "公安部犯罪记录查询工作规定（2021）" in text and "待核" not in text


def test_the_exceptional_path_refuses_a_colloquial_name_of_a_non_issuable_item(personas):
    from certificates.services import RequestInput, RequestInvalid

    data = RequestInput(
        applicant_name="王小明",
        applicant_id_number=personas.resident_a.id_number,
        purpose="入职",
        requesting_body="某公司",
        requesting_basis="公司规定",
    )
    for name in ("良民证", "居民無犯罪記錄證明", "在世证明"):
        with pytest.raises(RequestInvalid) as error:
            certificate_services.request_create_exceptional(
                community=personas.community_x,
                actor=personas.staff_x,
                matter_name=name,
                can_verify="入户",
                risk_assessment="低",
                data=data,
            )
        assert "matter_name" in error.value.errors


def test_refusal_statistics_group_a_local_item_with_its_national_concept(personas):
    from django.db.models import Q

    from certificates.selectors import refusal_counts

    local = NonIssuableItemFactory(region=personas.yanta, name="活着证明（社保）", published=True, code="YT-BZ01")
    concept = CertificateConcept.objects.get(name="健在")
    concept.item_codes = [*concept.item_codes, local.code]
    concept.save()
    n10 = NonIssuableItem.objects.get(code="N10")
    for item in (n10, n10, local):
        certificate_services.refusal_notice_create(community=personas.community_x, item=item, actor=personas.resident_a)
    counts = refusal_counts(
        Q(community__code__startswith="610113"), __import__("django.utils.timezone").utils.timezone.localdate().year
    )
    assert counts["by_concept"][0]["concept"] == "健在" and counts["by_concept"][0]["n"] == 3


def test_the_notice_board_never_prints_internal_confirmation_notes(personas, rf):
    from django.template.loader import render_to_string

    from catalog.views.public import NoticeBoard

    board = NoticeBoard.build(personas.community_x, page_url="http://testserver/")
    html_text = render_to_string("pdf/notice_board.html", {"board": board})
    assert "待核" not in html_text and "待区县核实" not in html_text
    assert "以当地部门公布为准" in html_text  # the neutral wording for a referral still to be confirmed
