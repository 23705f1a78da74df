"""The transitional rule of the Shaanxi notice, part 三, and the county's review of the exceptional path.

A listed (non-issuable) item may be certified only while the county marks its alternative as not yet in place
locally (政策暂时衔接不到位), with the community's assessment and precautions written down and the county's approval
before the director signs. A matter in neither list stays possible, reviewed after the fact unless the county made
its review a gate. The register line says under which rule a certificate was issued.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import NonIssuableItem
from certificates import services, workflow
from certificates.models import CertificateRequest, CountyReviewGate, RegisterEntry, Status, TransitionalGap
from certificates.services import RequestInput, RequestInvalid
from certificates.workflow import WorkflowError

LISTED = "无犯罪记录证明"  # N05 of the national first batch


@pytest.fixture
def n05(db) -> NonIssuableItem:
    return NonIssuableItem.objects.get(code="N05")


def applicant(personas) -> RequestInput:
    return RequestInput(
        applicant_name="王小明",
        applicant_id_number=personas.resident_a.id_number,
        purpose="应聘保安岗位",
        requesting_body="某保安服务公司",
        requesting_basis="保安服务管理条例第八条",
    )


def exceptional(personas, matter=LISTED, **extra):
    values = {
        "community": personas.community_x,
        "actor": personas.staff_x,
        "matter_name": matter,
        "can_verify": "社区网格员走访，派出所出具情况说明前由社区核实居住和表现事实",
        "risk_assessment": "只陈述社区掌握的事实，不代替公安机关的记录查询",
        "precautions": "证明写明仅用于本次应聘，有效期一个月；留存走访记录",
        "data": applicant(personas),
    }
    values.update(extra)
    return services.request_create_exceptional(**values)


def mark(personas, item, **extra):
    values = {
        "county": personas.yanta,
        "item": item,
        "actor": personas.county_officer,
        "not_in_place": True,
        "valid_from": timezone.localdate() - dt.timedelta(days=1),
        "note": "县公安局网办渠道尚未开通",
    }
    values.update(extra)
    return services.transitional_gap_set(**values)


def to_director(personas, request):
    request = workflow.verify(request_id=request.pk, actor=personas.staff_x, method="home_visit", note="入户走访")
    return workflow.send_for_signature(request_id=request.pk, actor=personas.staff_x)


# --- the listed item ---------------------------------------------------------------------------------------------


def test_a_listed_item_is_refused_naming_where_to_go_while_the_county_has_not_marked_it(personas, n05):
    with pytest.raises(RequestInvalid) as refused:
        exceptional(personas)
    message = refused.value.errors["matter_name"][0]
    assert LISTED in message and n05.alternative_department in message
    assert not CertificateRequest.objects.exists()


def test_once_the_county_marks_the_item_the_path_takes_it_with_precautions_and_waits_for_the_county(personas, n05):
    mark(personas, n05)
    with pytest.raises(RequestInvalid) as refused:
        exceptional(personas, precautions="")
    assert "precautions" in refused.value.errors
    request = exceptional(personas)
    assert request.transitional_item == n05 and request.exceptional_precautions
    assert request.issuance_rule == "transitional"
    request = to_director(personas, request)
    assert workflow.awaiting_county(request)
    with pytest.raises(WorkflowError, match="区县民政部门批准"):
        workflow.sign(request_id=request.pk, actor=personas.director)
    services.county_review_complete(request_id=request.pk, actor=personas.county_officer, note="同意，限本次应聘")
    request.refresh_from_db()
    assert not workflow.awaiting_county(request)
    assert workflow.sign(request_id=request.pk, actor=personas.director).status == Status.SIGNED


def test_a_county_that_does_not_agree_stops_the_signature(personas, n05):
    mark(personas, n05)
    request = to_director(personas, exceptional(personas))
    services.county_review_complete(
        request_id=request.pk, actor=personas.county_officer, note="派出所已可出具", approved=False
    )
    with pytest.raises(WorkflowError, match="未同意"):
        workflow.sign(request_id=request.pk, actor=personas.director)
    assert "sign" not in {t.action for t in workflow.available_actions(personas.director, request)}


def test_a_cleared_or_expired_marking_no_longer_opens_the_path(personas, n05):
    mark(personas, n05)
    services.transitional_gap_set(
        county=personas.yanta, item=n05, actor=personas.county_officer, not_in_place=False, note="网办已开通"
    )
    with pytest.raises(RequestInvalid):
        exceptional(personas)
    mark(personas, n05, valid_from=dt.date(2025, 1, 1), valid_until=dt.date(2025, 6, 30))
    with pytest.raises(RequestInvalid):
        exceptional(personas)
    assert TransitionalGap.objects.filter(item=n05).count() == 3  # every setting kept


def test_only_the_county_officer_of_that_county_marks_an_item(personas, n05):
    for someone in (personas.other_county_officer, personas.provincial_officer, personas.director):
        with pytest.raises(WorkflowError) as refused:
            mark(personas, n05, actor=someone)
        assert refused.value.forbidden
    with pytest.raises(RequestInvalid) as invalid:
        mark(personas, n05, valid_from=None, note="")
    assert {"valid_from", "note"} <= set(invalid.value.errors)
    with pytest.raises(RequestInvalid) as invalid:
        mark(personas, n05, valid_until=timezone.localdate() - dt.timedelta(days=5))
    assert "valid_until" in invalid.value.errors


def test_the_marking_of_one_county_does_not_open_the_path_in_another(personas, n05):
    mark(personas, n05)  # 雁塔区
    with pytest.raises(RequestInvalid):  # 张家堡 is in 未央区
        exceptional(personas, community=personas.community_y, actor=personas.staff_y)


# --- a matter in neither list ------------------------------------------------------------------------------------


NEITHER = "老旧小区加装电梯意见征集情况证明"


def test_a_matter_in_neither_list_is_reviewed_after_the_fact_unless_the_county_makes_it_a_gate(personas):
    request = to_director(personas, exceptional(personas, matter=NEITHER, precautions=""))
    assert request.issuance_rule == "outside_lists" and not workflow.awaiting_county(request)
    assert workflow.can(personas.director, request, "sign")

    services.county_review_gate_set(
        county=personas.yanta, actor=personas.county_officer, gate=True, reason="抽查发现问题"
    )
    assert workflow.awaiting_county(request)
    with pytest.raises(WorkflowError, match="区县民政部门批准"):
        workflow.sign(request_id=request.pk, actor=personas.director)
    services.county_review_complete(request_id=request.pk, actor=personas.county_officer, note="核实充分")
    assert workflow.sign(request_id=request.pk, actor=personas.director).status == Status.SIGNED

    services.county_review_gate_set(county=personas.yanta, actor=personas.county_officer, gate=False, reason="已整改")
    assert CountyReviewGate.objects.filter(county=personas.yanta).count() == 2  # the switch keeps its history
    with pytest.raises(WorkflowError) as refused:
        services.county_review_gate_set(
            county=personas.yanta, actor=personas.other_county_officer, gate=True, reason="x"
        )
    assert refused.value.forbidden


# --- through HTTP ------------------------------------------------------------------------------------------------


def exceptions_url(personas):
    return reverse("desk:county_exceptions", args=[personas.yanta.code])


def test_the_county_officer_marks_an_item_on_the_county_page_and_the_province_only_reads(personas, login, n05):
    client = login(personas.county_officer)
    page = client.get(exceptions_url(personas))
    assert page.status_code == 200 and LISTED in page.content.decode()
    data = {"action": "gap", "gap-item": n05.pk, "gap-not_in_place": "yes", "gap-note": "网办未开通"}
    response = client.post(exceptions_url(personas), data)  # no start date: refused, what was typed is kept
    assert response.status_code == 200 and "valid_from" in response.context["gap_form"].errors
    assert response.context["gap_form"]["note"].value() == "网办未开通"
    data["gap-valid_from"] = timezone.localdate().isoformat()
    response = client.post(exceptions_url(personas), data)
    assert response.status_code == 302
    assert services.transitional_gap(personas.community_x, n05) is not None
    response = client.post(exceptions_url(personas), {"action": "gate", "gate-gate": "yes", "gate-reason": "试行"})
    assert response.status_code == 302 and workflow.county_review_is_gate(personas.community_x)
    page = client.get(exceptions_url(personas)).content.decode()
    assert "网办未开通" in page and "试行" in page  # the history is shown

    province = login(personas.provincial_officer)
    assert province.get(exceptions_url(personas)).context["gap_form"] is None
    assert province.post(exceptions_url(personas), data).status_code == 403
    assert login(personas.other_county_officer).get(exceptions_url(personas)).status_code == 404


def test_the_desk_shows_the_transitional_matter_waiting_for_the_county_and_the_register_says_the_rule(
    personas, login, n05
):
    mark(personas, n05)
    url = reverse("desk:exceptional_new", args=[personas.community_x.code])
    data = {
        "matter_name": LISTED,
        "can_verify": "入户走访",
        "risk_assessment": "只陈述事实",
        "precautions": "限定用途",
        "applicant_name": "王小明",
        "applicant_id_number": personas.resident_a.id_number,
        "purpose": "应聘",
        "requesting_body": "某公司",
        "requesting_basis": "保安服务管理条例",
    }
    response = login(personas.staff_x).post(url, data)
    created = CertificateRequest.objects.get()
    assert response.status_code == 302 and created.transitional_item == n05
    to_director(personas, created)
    page = login(personas.director).get(reverse("desk:detail", args=[created.pk]))
    assert page.context["awaiting_county"] and "等待区县批准" in page.content.decode()
    assert "sign" not in {p.action for p in page.context["panels"]}
    county = login(personas.county_officer)
    assert "等待区县批准后才能签字" in county.get(reverse("desk:county")).content.decode()
    county.post(reverse("desk:county_review", args=[created.pk]), {"approved": "yes", "note": "同意"})
    workflow.sign(request_id=created.pk, actor=personas.director)

    register = login(personas.staff_x).get(reverse("desk:register", args=[personas.community_x.code]))
    assert "过渡期例外（经区县批准）" in register.content.decode()
    export = (
        login(personas.staff_x)
        .get(reverse("desk:register_export", args=[personas.community_x.code, "csv"]))
        .content.decode("utf-8-sig")
    )
    assert "过渡期例外（经区县批准）" in export


def test_the_register_line_says_listed_or_outside_the_lists(personas, login, signed_request):
    request = to_director(personas, exceptional(personas, matter=NEITHER, precautions=""))
    workflow.sign(request_id=request.pk, actor=personas.director)
    assert RegisterEntry.objects.count() == 2
    page = login(personas.staff_x).get(reverse("desk:register", args=[personas.community_x.code])).content.decode()
    assert "清单内" in page and "清单外据实出具" in page


def test_a_marking_is_a_permanent_record(personas, n05):
    from django.db import DatabaseError, connection, transaction

    from certificates.models import PermanentRecordError

    gap = mark(personas, n05)
    with pytest.raises(PermanentRecordError):
        gap.save()
    with pytest.raises(PermanentRecordError):
        TransitionalGap.objects.filter(pk=gap.pk).update(note="改写")
    if connection.vendor != "postgresql":
        print("skipping the trigger check: database triggers exist on PostgreSQL only")
        return
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE certificates_transitionalgap SET note = 'x' WHERE id = %s", [gap.pk])


def test_a_matter_the_resolver_finds_on_the_issuable_catalog_is_sent_to_the_counter(personas, item, monkeypatch):
    from catalog import resolver

    monkeypatch.setattr(
        resolver, "resolve", lambda text, region=None: resolver.Resolution(resolver.Kind.MATCH, issuable=[item])
    )
    with pytest.raises(RequestInvalid) as refused:
        exceptional(personas, matter="亲属关系证明（公证用）")
    assert item.name in refused.value.errors["matter_name"][0]
