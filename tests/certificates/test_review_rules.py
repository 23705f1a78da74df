"""Rules added after review: no decision on a retired item, a deliberation must agree, nobody decides their own
request, internal notes stay internal, the exceptional path keeps the catalog's rules."""

import datetime as dt

import pytest

from catalog.services import item_retire
from certificates import services, workflow
from certificates.models import Deliberation, Status
from certificates.services import RequestInput, RequestInvalid
from certificates.workflow import WorkflowError
from portal.roles import Role
from tests.factories import make_request, member


def awaiting_signature(personas, item, **extra):
    return make_request(
        community=personas.community_x,
        item=item,
        applicant=personas.resident_a,
        status=Status.AWAITING_SIGNATURE,
        verified_by=personas.staff_x,
        **extra,
    )


def test_a_retired_item_is_no_longer_signed(personas, item):
    request = awaiting_signature(personas, item)
    item_retire(item=item, actor=personas.county_officer, end_date=dt.date(2024, 1, 1), reason="法规修订")
    with pytest.raises(WorkflowError, match="已废止"):
        workflow.sign(request_id=request.pk, actor=personas.director)
    assert workflow.reject(request_id=request.pk, actor=personas.director, reason="该证明已废止").status == "rejected"


def test_a_deliberation_without_a_majority_cannot_be_signed(personas, deliberation_item):
    request = make_request(
        community=personas.community_x,
        item=deliberation_item,
        applicant=personas.resident_a,
        status=Status.AWAITING_DELIBERATION,
        verified_by=personas.staff_x,
    )
    workflow.record_deliberation(
        request_id=request.pk,
        actor=personas.staff_x,
        held_on=dt.date(2026, 1, 5),
        place="议事厅",
        participants="居民代表",
        agreed=10,
        total=21,
    )
    request.refresh_from_db()
    # It stays with staff: it cannot be sent to the director, and the button is hidden by the same predicate.
    assert request.status == Status.VERIFIED
    assert "过半数" in workflow.refusal_reason(personas.staff_x, request, "send_for_signature")
    assert "send_for_signature" not in {t.action for t in workflow.available_actions(personas.staff_x, request)}
    with pytest.raises(WorkflowError, match="过半数"):
        workflow.send_for_signature(request_id=request.pk, actor=personas.staff_x)
    # Placed before the director anyway (e.g. data from before this rule), the signature is refused too.
    placed = make_request(
        community=personas.community_x,
        item=deliberation_item,
        applicant=personas.resident_a,
        status=Status.AWAITING_SIGNATURE,
        verified_by=personas.staff_x,
    )
    Deliberation.objects.create(
        request=placed,
        held_on=dt.date(2026, 1, 5),
        place="议事厅",
        participants="居民代表",
        agreed=10,
        total=21,
        recorded_by=personas.staff_x,
    )
    with pytest.raises(WorkflowError, match="过半数"):
        workflow.sign(request_id=placed.pk, actor=personas.director)


def test_a_new_deliberation_with_a_majority_goes_on_to_the_director(personas, deliberation_item):
    request = make_request(
        community=personas.community_x,
        item=deliberation_item,
        applicant=personas.resident_a,
        status=Status.AWAITING_DELIBERATION,
        verified_by=personas.staff_x,
    )
    meeting = {"held_on": dt.date(2026, 1, 5), "place": "议事厅", "participants": "居民代表"}
    workflow.record_deliberation(request_id=request.pk, actor=personas.staff_x, agreed=10, total=21, **meeting)
    workflow.request_deliberation(request_id=request.pk, actor=personas.staff_x)
    request = workflow.record_deliberation(
        request_id=request.pk, actor=personas.staff_x, agreed=15, total=21, **meeting
    )
    assert request.status == Status.AWAITING_SIGNATURE
    actions = list(request.events.values_list("action", flat=True))
    assert actions[-2:] == ["record_deliberation", "send_for_signature"]


def test_nobody_decides_their_own_request(personas, item):
    member(personas.director, Role.RESIDENT, personas.community_x)
    own = make_request(
        community=personas.community_x,
        item=item,
        applicant=personas.director,
        status=Status.AWAITING_SIGNATURE,
        verified_by=personas.staff_x,
    )
    with pytest.raises(WorkflowError, match="本人的申请"):
        workflow.sign(request_id=own.pk, actor=personas.director)
    counter = make_request(  # entered at the counter without an account, but with the staff member's ID number
        community=personas.community_x,
        item=item,
        created_by=personas.staff_x,
        status=Status.SUBMITTED,
        applicant_name="赵敏",
        applicant_id_number=personas.staff_x.id_number,
    )
    with pytest.raises(WorkflowError, match="本人的申请"):
        workflow.verify(request_id=counter.pk, actor=personas.staff_x, method="other", note="x")


def test_internal_notes_are_not_shown_to_the_applicant(personas, item, client):
    request = make_request(community=personas.community_x, item=item, applicant=personas.resident_a, status="submitted")
    workflow.verify(request_id=request.pk, actor=personas.staff_x, method="home_visit", note="邻居王某称其父已故")
    workflow.request_supplement(request_id=request.pk, actor=personas.staff_x, missing="户口簿首页")
    client.force_login(personas.resident_a)
    page = client.get(f"/requests/{request.pk}/").content.decode()
    assert "户口簿首页" in page and "邻居王某" not in page


def test_the_exceptional_path_keeps_the_catalogs_rules(personas):
    data = RequestInput(
        applicant_name="王小明",
        applicant_id_number=personas.resident_a.id_number,
        purpose="贷款",
        requesting_body="某银行",
        requesting_basis="银行规定",
    )
    for name in ("无犯罪记录证明（补办）", "担保人经济担保证明"):
        with pytest.raises(RequestInvalid) as error:
            services.request_create_exceptional(
                community=personas.community_x,
                actor=personas.staff_x,
                matter_name=name,
                can_verify="入户",
                risk_assessment="低",
                data=data,
            )
        assert "matter_name" in error.value.errors


def test_residents_apply_online_only_to_their_own_community(personas, item):
    from tests.certificates.test_services import kinship_input

    with pytest.raises(WorkflowError, match="本人所在"):
        services.request_create(
            community=personas.community_x,
            item=item,
            actor=personas.resident_b,
            applicant=personas.resident_b,
            data=kinship_input(personas.resident_b),
        )


def test_a_restore_never_moves_an_item_to_another_place(personas):
    from catalog.models import IssuableItem
    from catalog.services import item_restore, item_save
    from tests.factories import IssuableItemFactory

    item = item_save(
        item=IssuableItemFactory.build(region=personas.yanta, name="旧名称"), actor=personas.county_officer
    )
    first = item.history.order_by("history_id").first().history_id
    item.region, item.name = personas.weiyang, "新名称"
    item_save(item=item, actor=personas.provincial_officer, reason="划归未央区")
    item_restore(item=item, actor=personas.provincial_officer, history_id=first)
    item = IssuableItem.objects.get(pk=item.pk)
    assert (item.name, item.region) == ("旧名称", personas.weiyang)  # content restored, place kept


def test_a_huge_deliberation_number_is_a_form_error_not_a_crash(personas, deliberation_item, client):
    request = make_request(
        community=personas.community_x,
        item=deliberation_item,
        applicant=personas.resident_a,
        status=Status.AWAITING_DELIBERATION,
        verified_by=personas.staff_x,
    )
    client.force_login(personas.staff_x)
    response = client.post(
        f"/desk/requests/{request.pk}/",
        {
            "action": "record_deliberation",
            "record_deliberation-revision": request.revision,
            "record_deliberation-held_on": "2026-01-05",
            "record_deliberation-place": "议事厅",
            "record_deliberation-participants": "居民代表",
            "record_deliberation-total": str(10**20),
            "record_deliberation-agreed": str(10**20),
        },
    )
    assert response.status_code in (200, 400) and "议事厅" in response.content.decode()


def test_a_retired_seal_is_not_handed_over(personas, seal):
    from seals.services import SealRuleError, seal_handover, seal_set_status

    member(personas.staff_x, Role.KEEPER, personas.community_x)
    seal_set_status(seal=seal, status="retired", reason="更换新章", actor=personas.director)
    with pytest.raises(SealRuleError, match="不再交接"):
        seal_handover(seal=seal, to_keeper=personas.staff_x, actor=personas.director)
