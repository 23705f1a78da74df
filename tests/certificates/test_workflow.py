"""Workflow rules through the workflow functions: guards, stale forms, events, notifications, permanence."""

import datetime as dt

import pytest
from django.core import mail

from certificates import workflow
from certificates.models import (
    FourEyesWaiver,
    PermanentRecordError,
    RegisterEntry,
    RequestEvent,
    Status,
)
from certificates.workflow import WorkflowError
from tests.factories import make_request


def submitted(personas, item, **extra):
    request = make_request(community=personas.community_x, item=item, applicant=personas.resident_a, **extra)
    return workflow.submit(request_id=request.pk, actor=personas.resident_a)


def to_signature(personas, request, verifier=None):
    verifier = verifier or personas.staff_x
    request = workflow.verify(request_id=request.pk, actor=verifier, method="document_check", note="查验户口簿")
    return workflow.send_for_signature(request_id=request.pk, actor=verifier)


def test_happy_path_writes_events_and_a_register_entry(personas, item, django_capture_on_commit_callbacks):
    personas.resident_a.email = "a@example.invalid"
    personas.resident_a.save()
    with django_capture_on_commit_callbacks(execute=True):
        request = submitted(personas, item)
        request = to_signature(personas, request)
        request = workflow.sign(request_id=request.pk, actor=personas.director)
    assert request.status == Status.SIGNED
    entry = RegisterEntry.objects.get(request=request)
    assert entry.number == 1 and entry.display_number == f"证〔{entry.year}〕1号"
    assert entry.signer == personas.director and entry.verifier == personas.staff_x
    assert entry.item_version == item.history.latest().history_id
    actions = list(RequestEvent.objects.filter(request=request).values_list("action", flat=True))
    assert actions == ["submit", "verify", "send_for_signature", "sign"]
    # the applicant is told of every step except their own submission
    assert len(mail.outbox) == 3 and "已签字登记" in mail.outbox[-1].subject
    assert entry.display_number in mail.outbox[-1].body


def test_a_refused_move_changes_nothing(personas, item):
    request = submitted(personas, item)
    with pytest.raises(WorkflowError) as error:
        workflow.sign(request_id=request.pk, actor=personas.director)
    assert "不能执行" in error.value.message
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED and not RegisterEntry.objects.exists()
    assert RequestEvent.objects.filter(request=request).count() == 1


def test_a_stale_form_is_refused(personas, item):
    request = submitted(personas, item)
    stale = request.revision
    workflow.verify(
        request_id=request.pk, actor=personas.staff_x, method="home_visit", note="入户核实", expected_revision=stale
    )
    with pytest.raises(WorkflowError) as error:  # the same POST replayed, or a second staff member's old page
        workflow.verify(
            request_id=request.pk,
            actor=personas.director,
            method="home_visit",
            note="再次核实",
            expected_revision=stale,
        )
    assert "已被其他人处理" in error.value.message
    assert RequestEvent.objects.filter(request=request, action="verify").count() == 1


def test_the_director_cannot_sign_what_they_verified_unless_the_county_waived_it(personas, item):
    request = to_signature(personas, submitted(personas, item), verifier=personas.director)
    with pytest.raises(WorkflowError) as error:
        workflow.sign(request_id=request.pk, actor=personas.director)
    assert "四眼原则" in error.value.message
    FourEyesWaiver.objects.create(
        county=personas.yanta,
        community=personas.community_x,
        allowed=True,
        reason="村里只有两名工作人员",
        set_by=personas.county_officer,
    )
    assert workflow.sign(request_id=request.pk, actor=personas.director).status == Status.SIGNED


def test_public_interest_items_need_a_recorded_deliberation_before_signing(personas, deliberation_item):
    request = workflow.verify(
        request_id=submitted(personas, deliberation_item).pk, actor=personas.staff_x, method="other", note="调查"
    )
    with pytest.raises(WorkflowError, match="议事协商"):
        workflow.send_for_signature(request_id=request.pk, actor=personas.staff_x)
    request = workflow.request_deliberation(request_id=request.pk, actor=personas.staff_x)
    with pytest.raises(WorkflowError, match="同意人数"):
        workflow.record_deliberation(
            request_id=request.pk,
            actor=personas.staff_x,
            held_on=dt.date(2026, 1, 5),
            place="社区议事厅",
            participants="居民代表",
            agreed=30,
            total=21,
        )
    request = workflow.record_deliberation(
        request_id=request.pk,
        actor=personas.staff_x,
        held_on=dt.date(2026, 1, 5),
        place="社区议事厅",
        participants="居民代表21人",
        agreed=19,
        total=21,
    )
    assert request.status == Status.AWAITING_SIGNATURE
    assert workflow.sign(request_id=request.pk, actor=personas.director).status == Status.SIGNED


def test_supplement_pauses_the_clock(personas, item, monkeypatch):
    today = {"value": dt.date(2026, 9, 28)}
    monkeypatch.setattr(workflow, "_today", lambda: today["value"])
    request = submitted(personas, item)
    assert request.due_date == dt.date(2026, 10, 10)  # 5 working days across National Day (10-10 is a 调休 Saturday)
    today["value"] = dt.date(2026, 9, 29)
    request = workflow.request_supplement(request_id=request.pk, actor=personas.staff_x, missing="户口簿首页复印件")
    today["value"] = dt.date(2026, 10, 9)  # answered after the holiday: 9-30, 10-8 and 10-9 were waiting days
    request = workflow.supplement(request_id=request.pk, actor=personas.resident_a, note="已上传")
    assert request.paused_workdays == 3
    assert request.due_date == dt.date(2026, 10, 14)  # 5 + 3 working days after 9-28


def test_reject_and_send_back_need_reasons(personas, item):
    request = submitted(personas, item)
    with pytest.raises(WorkflowError):
        workflow.reject(request_id=request.pk, actor=personas.staff_x, reason=" ")
    request = to_signature(personas, request)
    with pytest.raises(WorkflowError):
        workflow.send_back(request_id=request.pk, actor=personas.director, reason="")
    request = workflow.send_back(request_id=request.pk, actor=personas.director, reason="核实方式不充分")
    assert request.status == Status.VERIFIED
    request = workflow.reject(request_id=request.pk, actor=personas.staff_x, reason="户籍不在本社区")
    assert request.rejection_reason == "户籍不在本社区"


def test_only_the_applicant_withdraws_and_only_before_signing(personas, item):
    request = submitted(personas, item)
    with pytest.raises(WorkflowError) as error:
        workflow.withdraw(request_id=request.pk, actor=personas.resident_b)
    assert error.value.forbidden
    assert workflow.withdraw(request_id=request.pk, actor=personas.resident_a).status == Status.WITHDRAWN


def test_register_entries_and_events_are_permanent(personas, item):
    request = to_signature(personas, submitted(personas, item))
    workflow.sign(request_id=request.pk, actor=personas.director)
    entry = RegisterEntry.objects.get()
    entry.purpose = "改成别的用途"
    with pytest.raises(PermanentRecordError):
        entry.save()
    with pytest.raises(PermanentRecordError):
        entry.delete()
    with pytest.raises(PermanentRecordError):
        RegisterEntry.objects.update(purpose="x")
    with pytest.raises(PermanentRecordError):
        RequestEvent.objects.filter(request=request).delete()


def test_the_director_cancels_a_signed_matter_and_the_number_is_kept(personas, item, client):
    request = workflow.sign(request_id=to_signature(personas, submitted(personas, item)).pk, actor=personas.director)
    entry = RegisterEntry.objects.get(request=request)
    with pytest.raises(WorkflowError):
        workflow.cancel(request_id=request.pk, actor=personas.staff_x, reason="错误")
    with pytest.raises(WorkflowError, match="作废理由"):
        workflow.cancel(request_id=request.pk, actor=personas.director, reason=" ")
    client.force_login(personas.director)
    response = client.post(
        f"/desk/requests/{request.pk}/",
        {"action": "cancel", "cancel-reason": "申请人提供的户籍信息有误", "cancel-revision": request.revision},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == Status.CANCELLED
    assert entry.cancellation.reason == "申请人提供的户籍信息有误" and entry.number == 1
    assert RegisterEntry.objects.filter(pk=entry.pk).exists()  # the number stays in the register
    client.force_login(personas.resident_a)
    assert "登记已作废" in client.get(f"/requests/{request.pk}/").content.decode()
