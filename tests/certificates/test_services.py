"""Creating requests online and at the counter, commitments, the exceptional path, refusal notices."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from catalog.models import IssuableItem, NonIssuableItem
from certificates import services, workflow
from certificates.demo import TINY_PDF
from certificates.models import Channel, Commitment, Status
from certificates.services import RequestInput, RequestInvalid
from certificates.workflow import WorkflowError

PDF = TINY_PDF


def pdf(name="x.pdf"):
    return SimpleUploadedFile(name, PDF)


def kinship_input(user, **overrides) -> RequestInput:
    values = dict(
        applicant_name=user.real_name,
        applicant_id_number=user.id_number,
        purpose="办理亲属关系公证",
        requesting_body="西安市某公证处",
        requesting_basis="公证法第十一条",
        field_values={"relative_name": "李四", "relation": "父子", "notary_office": "西安市某公证处"},
        uploads={"当事人居民身份证": [pdf()], "当事人户口簿": [pdf()]},
    )
    values.update(overrides)
    return RequestInput(**values)


def test_an_online_request_is_submitted_with_its_materials(personas, item):
    request = services.request_create(
        community=personas.community_x,
        item=item,
        actor=personas.resident_a,
        applicant=personas.resident_a,
        data=kinship_input(personas.resident_a),
    )
    assert request.status == Status.SUBMITTED and request.due_date and request.channel == Channel.ONLINE
    assert request.attachments.count() == 2 and request.item_version == item.history.latest().history_id


def test_every_missing_piece_is_reported_at_once(personas, item):
    data = kinship_input(personas.resident_a, requesting_basis="", purpose="随便用", uploads={}, field_values={})
    with pytest.raises(RequestInvalid) as error:
        services.request_create(
            community=personas.community_x,
            item=item,
            actor=personas.resident_a,
            applicant=personas.resident_a,
            data=data,
        )
    errors = error.value.errors
    assert {"requesting_basis", "purpose", "field_relative_name", "material_当事人户口簿"} <= set(errors)
    assert "依据" in errors["requesting_basis"][0]


def test_a_replaceable_material_can_be_replaced_by_a_commitment(personas):
    item = IssuableItem.objects.get(code="610113-ZM03")
    data = RequestInput(
        applicant_name="王小明",
        applicant_id_number=personas.resident_a.id_number,
        purpose="办理遗赠扶养协议公证",
        requesting_body="某公证处",
        requesting_basis="遗赠扶养协议公证细则第八条",
        field_values={"economic_situation": "退休", "family_members": "配偶"},
        uploads={"扶养人居民身份证": [pdf()], "扶养人户口簿": [pdf()]},
        commitments={"收入情况材料"},
        commitment_confirmed=True,
    )
    request = services.request_create(
        community=personas.community_x, item=item, actor=personas.resident_a, applicant=personas.resident_a, data=data
    )
    commitment = Commitment.objects.get(request=request)
    assert commitment.material == "收入情况材料" and commitment.text.version == 1
    assert request.post_check_required
    workflow.withdraw(request_id=request.pk, actor=personas.resident_a)  # else the next would be a duplicate
    data.commitments = {"扶养人户口簿"}  # a material that is not replaceable
    with pytest.raises(RequestInvalid) as error:
        services.request_create(
            community=personas.community_x,
            item=item,
            actor=personas.resident_a,
            applicant=personas.resident_a,
            data=data,
        )
    assert "不能以告知承诺替代" in error.value.errors["commitments"][0]


def test_counter_entry_is_for_the_communitys_staff(personas, item):
    data = kinship_input(personas.resident_a)
    request = services.request_create(
        community=personas.community_x,
        item=item,
        actor=personas.staff_x,
        applicant=None,
        data=data,
        channel=Channel.COUNTER,
    )
    assert request.channel == Channel.COUNTER and request.created_by == personas.staff_x
    with pytest.raises(WorkflowError):
        services.request_create(
            community=personas.community_x,
            item=item,
            actor=personas.staff_y,
            data=kinship_input(personas.resident_a),
            channel=Channel.COUNTER,
        )


def test_an_item_of_another_county_cannot_be_requested(personas, item):
    with pytest.raises(WorkflowError, match="不在本社区"):
        services.request_create(
            community=personas.community_y,
            item=item,
            actor=personas.resident_a,
            applicant=personas.resident_a,
            data=kinship_input(personas.resident_a),
        )


def test_refusal_notices_are_numbered_and_never_create_a_request(personas):
    item = NonIssuableItem.objects.get(code="N05")
    first = services.refusal_notice_create(
        community=personas.community_x, item=item, requesting_body="某公司", actor=personas.resident_a
    )
    second = services.refusal_notice_create(community=personas.community_x, item=item, actor=personas.staff_x)
    assert (first.number, second.number) == (1, 2)
    assert not personas.community_x.certificate_requests.exists()


def test_the_exceptional_path_needs_verification_and_risk_notes_and_flags_the_county(personas):
    data = RequestInput(
        applicant_name="王小明",
        applicant_id_number=personas.resident_a.id_number,
        purpose="银行开户",
        requesting_body="某银行",
        requesting_basis="银行内部规定",
    )
    with pytest.raises(RequestInvalid) as error:
        services.request_create_exceptional(
            community=personas.community_x,
            actor=personas.staff_x,
            matter_name="无犯罪记录证明",
            can_verify="",
            risk_assessment="",
            data=data,
        )
    assert {"matter_name", "can_verify", "risk_assessment"} <= set(error.value.errors)
    request = services.request_create_exceptional(
        community=personas.community_x,
        actor=personas.staff_x,
        matter_name="房屋现状情况说明",
        can_verify="入户查看",
        risk_assessment="仅陈述现状，不涉及权属",
        data=data,
    )
    assert request.exceptional and request.county_review_required and request.status == Status.SUBMITTED


def test_the_county_reviews_an_exceptional_matter_once(personas, client):
    data = RequestInput(
        applicant_name="王小明",
        applicant_id_number=personas.resident_a.id_number,
        purpose="银行开户",
        requesting_body="某银行",
        requesting_basis="银行内部规定",
    )
    request = services.request_create_exceptional(
        community=personas.community_x,
        actor=personas.staff_x,
        matter_name="房屋现状情况说明",
        can_verify="入户查看",
        risk_assessment="仅陈述现状",
        data=data,
    )
    with pytest.raises(WorkflowError) as error:
        services.county_review_complete(request_id=request.pk, actor=personas.other_county_officer, note="同意")
    assert error.value.forbidden
    client.force_login(personas.county_officer)
    assert "房屋现状情况说明" in client.get("/desk/county/").content.decode()
    response = client.post(f"/desk/county/review/{request.pk}/", {"note": "核实方式充分", "approved": "yes"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.county_reviewed_by == personas.county_officer and request.county_review_note == "核实方式充分"
    assert "房屋现状情况说明" not in client.get("/desk/county/").content.decode()
    with pytest.raises(WorkflowError, match="已经复核"):
        services.county_review_complete(request_id=request.pk, actor=personas.county_officer, note="再次")


def test_only_the_county_officer_sets_the_four_eyes_waiver(personas):
    with pytest.raises(WorkflowError):
        services.four_eyes_waiver_set(community=personas.community_x, actor=personas.director, allowed=True, reason="x")
    with pytest.raises(WorkflowError):
        services.four_eyes_waiver_set(
            community=personas.community_x, actor=personas.other_county_officer, allowed=True, reason="x"
        )
    waiver = services.four_eyes_waiver_set(
        community=personas.community_x, actor=personas.county_officer, allowed=True, reason="村里只有两名工作人员"
    )
    assert waiver.county == personas.yanta and waiver.set_by == personas.county_officer


def test_the_county_sees_which_abolished_certificates_are_still_demanded_and_by_whom(personas, client):
    no_record = NonIssuableItem.objects.get(code="N05")
    for body in ("某物业公司", "某物业公司", "某银行"):
        services.refusal_notice_create(
            community=personas.community_x, item=no_record, requesting_body=body, actor=personas.resident_a
        )
    services.refusal_notice_create(
        community=personas.community_y, item=no_record, requesting_body="未央某单位", actor=personas.staff_y
    )
    client.force_login(personas.county_officer)
    page = client.get("/desk/county/").content.decode()
    assert "无犯罪记录证明" in page and "某物业公司" in page and "某银行" in page
    assert "未央某单位" not in page  # another county's notices are not this officer's to see
    from django.db.models import Q

    from certificates.selectors import refusal_counts

    counts = refusal_counts(Q(community__code__startswith="610113"), timezone.localdate().year)
    assert counts["total"] == 3
    assert counts["by_body"][0] == {"requesting_body": "某物业公司", "n": 2}


def test_commitments_are_post_checked_at_the_desk_and_a_false_one_is_flagged(personas, client):
    from certificates import workflow
    from certificates.models import PostCheck

    item = IssuableItem.objects.get(code="610113-ZM03")
    data = RequestInput(
        applicant_name="王小明",
        applicant_id_number=personas.resident_a.id_number,
        purpose="办理遗赠扶养协议公证",
        requesting_body="某公证处",
        requesting_basis="遗赠扶养协议公证细则第八条",
        field_values={"economic_situation": "退休", "family_members": "配偶"},
        uploads={"扶养人居民身份证": [pdf()], "扶养人户口簿": [pdf()]},
        commitments={"收入情况材料"},
        commitment_confirmed=True,
    )
    request = services.request_create(
        community=personas.community_x, item=item, actor=personas.resident_a, applicant=personas.resident_a, data=data
    )
    with pytest.raises(WorkflowError):  # not yet signed: nothing to post-check
        services.post_check_record(
            request_id=request.pk, actor=personas.staff_x, result="confirmed", method="data_sharing", note="x"
        )
    workflow.verify(request_id=request.pk, actor=personas.staff_x, method="document_check", note="查验")
    workflow.send_for_signature(request_id=request.pk, actor=personas.staff_x)
    workflow.sign(request_id=request.pk, actor=personas.director)
    client.force_login(personas.staff_x)
    link = f"/desk/requests/{request.pk}/"
    assert link in client.get("/desk/?tab=postcheck").content.decode()
    assert (
        client.post(
            f"/desk/requests/{request.pk}/post-check/",
            {"result": "false", "method": "data_sharing", "note": "税务数据显示另有经营收入"},
        ).status_code
        == 302
    )
    check = PostCheck.objects.get(request=request)
    assert check.result == "false" and check.checked_by == personas.staff_x
    assert request.events.filter(action="post_check").exists()
    assert link not in client.get("/desk/?tab=postcheck").content.decode()
    client.force_login(personas.staff_y)
    assert (
        client.post(
            f"/desk/requests/{request.pk}/post-check/", {"result": "confirmed", "method": "other", "note": "x"}
        ).status_code
        == 404
    )
