"""Inspection and correction (督导检查 · 督促整改): the checklist pre-filled from what the system checks, who may
inspect, findings with deadlines, the community's report, closing and reopening, and the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import IssuableItem
from certificates import inspections
from certificates.inspections import ItemResult
from certificates.models import (
    ChecklistItem,
    CheckResult,
    Finding,
    FindingEvent,
    FindingStatus,
    Inspection,
    RegisterEntry,
    Status,
)
from certificates.services import RequestInvalid
from certificates.workflow import WorkflowError
from portal.permanent import PermanentRecordError
from seals.models import Seal
from tests.factories import make_request

TODAY = timezone.localdate()


def _entry(personas, *, number: int, matter: str, status=Status.SIGNED) -> RegisterEntry:
    request = make_request(
        community=personas.community_x,
        item=IssuableItem.objects.get(code="610113-ZM01"),
        applicant=personas.resident_a,
        status=status,
    )
    return RegisterEntry.objects.create(
        community=personas.community_x,
        year=2026,
        number=number,
        display_number=f"2026-{number:04d}",
        request=request,
        registered_at=timezone.now(),
        applicant_name=request.applicant_name,
        applicant_id_number=request.applicant_id_number,
        matter_name=matter,
        purpose=request.purpose,
        requesting_body=request.requesting_body,
        verifier=personas.staff_x,
        signer=personas.director,
    )


def _all_met(**changes) -> dict[str, ItemResult]:
    results = {key: ItemResult(CheckResult.MET) for key in ChecklistItem.values}
    results.update(changes)
    return results


def test_a_clean_community_passes_every_system_check(personas):
    _entry(personas, number=1, matter="亲属关系证明（仅限公证）")
    checks = inspections.system_checks(personas.community_x)
    assert checks[ChecklistItem.LISTS_PUBLISHED].ok is True
    assert checks[ChecklistItem.REGISTER_VERIFIED].ok is True
    assert checks[ChecklistItem.SEAL_LEDGER].ok is True
    assert checks[ChecklistItem.KEEPER_NOT_APPROVER].ok is True
    assert checks[ChecklistItem.NO_ABOLISHED].ok is True
    assert checks[ChecklistItem.POST_CHECKED].ok is True


def test_the_system_finds_what_it_can_check(personas):
    _entry(personas, number=2, matter="无犯罪记录证明")  # number 1 missing; an abolished certificate (N05)
    _entry(personas, number=3, matter="亲属关系证明（仅限公证）", status=Status.ISSUED)  # issued without certificate
    make_request(
        community=personas.community_x,
        item=IssuableItem.objects.get(code="610113-ZM01"),
        applicant=personas.resident_a,
        status=Status.SIGNED,
        post_check_required=True,
    )
    Seal.objects.create(community=personas.community_x, name="公章", keeper=personas.director, is_specimen=True)
    checks = inspections.system_checks(personas.community_x)
    assert checks[ChecklistItem.REGISTER_VERIFIED].ok is False  # numbering gap and a signed request not registered
    assert "已签字未登记 1 件" in checks[ChecklistItem.REGISTER_VERIFIED].detail
    assert checks[ChecklistItem.SEAL_LEDGER].ok is False
    assert checks[ChecklistItem.NO_ABOLISHED].ok is False
    assert "无犯罪记录证明" in checks[ChecklistItem.NO_ABOLISHED].detail
    assert checks[ChecklistItem.KEEPER_NOT_APPROVER].ok is False
    assert checks[ChecklistItem.POST_CHECKED].ok is False


def test_another_communitys_problems_are_not_this_ones(personas):
    _entry(personas, number=2, matter="无犯罪记录证明")
    checks = inspections.system_checks(personas.community_y)
    assert checks[ChecklistItem.REGISTER_VERIFIED].ok is True
    assert checks[ChecklistItem.NO_ABOLISHED].ok is True


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("street_officer", True),
        ("county_officer", True),
        ("other_county_officer", False),
        ("city_officer", False),  # reads figures; inspections are for streets and counties
        ("provincial_officer", False),
        ("director", False),
    ],
)
def test_who_may_inspect(personas, who, allowed):
    actor = getattr(personas, who)
    if allowed:
        inspection = inspections.inspection_record(
            community=personas.community_x, actor=actor, inspected_on=TODAY, results=_all_met()
        )
        assert inspection.findings.count() == 0
    else:
        with pytest.raises(WorkflowError) as refused:
            inspections.inspection_record(
                community=personas.community_x, actor=actor, inspected_on=TODAY, results=_all_met()
            )
        assert refused.value.forbidden
        assert not Inspection.objects.exists()


def test_a_finding_needs_a_description_and_a_deadline_after_the_inspection(personas):
    with pytest.raises(RequestInvalid) as invalid:
        inspections.inspection_record(
            community=personas.community_x,
            actor=personas.street_officer,
            inspected_on=TODAY,
            results=_all_met(
                seal_ledger=ItemResult(CheckResult.NOT_MET),
                lists_published=ItemResult(CheckResult.NOT_MET, "未张贴", TODAY),
            ),
        )
    assert set(invalid.value.errors) == {"seal_ledger_note", "seal_ledger_deadline", "lists_published_deadline"}
    assert not Inspection.objects.exists()


def test_the_record_keeps_what_the_system_found_and_what_was_seen(personas):
    inspection = inspections.inspection_record(
        community=personas.community_x,
        actor=personas.street_officer,
        inspected_on=TODAY,
        results=_all_met(
            lists_published=ItemResult(CheckResult.NOT_MET, "服务大厅未张贴清单", TODAY + dt.timedelta(10))
        ),
        summary="现场检查",
    )
    row = next(c for c in inspection.checklist if c["key"] == ChecklistItem.LISTS_PUBLISHED)
    assert row["result"] == CheckResult.NOT_MET and row["note"] == "服务大厅未张贴清单"
    assert row["system_ok"] is True and "网上公开" in row["system_detail"]
    finding = inspection.findings.get()
    assert (finding.status, finding.deadline) == (FindingStatus.OPEN, TODAY + dt.timedelta(10))
    assert list(finding.events.values_list("action", flat=True)) == ["raise"]
    with pytest.raises(PermanentRecordError):
        inspection.summary = "改写"
        inspection.save()
    with pytest.raises(PermanentRecordError):
        finding.events.first().delete()


@pytest.fixture
def finding(personas) -> Finding:
    inspection = inspections.inspection_record(
        community=personas.community_x,
        actor=personas.street_officer,
        inspected_on=TODAY,
        results=_all_met(post_checked=ItemResult(CheckResult.NOT_MET, "3件承诺未核查", TODAY + dt.timedelta(7))),
    )
    return inspection.findings.get()


def test_the_community_reports_and_the_officer_closes_or_reopens(personas, finding):
    move = inspections.finding_move
    with pytest.raises(WorkflowError) as early:
        move(finding_id=finding.pk, actor=personas.street_officer, action="close", note="好")
    assert not early.value.forbidden  # the officer may close, but not before the community has reported
    with pytest.raises(WorkflowError) as stranger:
        move(finding_id=finding.pk, actor=personas.staff_y, action="respond", note="不是我们社区")
    assert stranger.value.forbidden
    with pytest.raises(WorkflowError):
        move(finding_id=finding.pk, actor=personas.keeper, action="respond", note="保管人不报整改")
    move(finding_id=finding.pk, actor=personas.staff_x, action="respond", note="已逐件核查")
    with pytest.raises(WorkflowError) as staff_close:
        move(finding_id=finding.pk, actor=personas.staff_x, action="close", note="自己销号")
    assert staff_close.value.forbidden
    with pytest.raises(WorkflowError):
        move(finding_id=finding.pk, actor=personas.county_officer, action="reopen", note="不彻底", deadline=None)
    move(
        finding_id=finding.pk,
        actor=personas.county_officer,
        action="reopen",
        note="核查记录不全",
        deadline=TODAY + dt.timedelta(5),
    )
    finding.refresh_from_db()
    assert (finding.status, finding.deadline) == (FindingStatus.OPEN, TODAY + dt.timedelta(5))
    move(finding_id=finding.pk, actor=personas.director, action="respond", note="已补齐")
    move(finding_id=finding.pk, actor=personas.street_officer, action="close", note="复查合格")
    finding.refresh_from_db()
    assert finding.status == FindingStatus.CLOSED
    assert list(FindingEvent.objects.filter(finding=finding).values_list("action", flat=True)) == [
        "raise",
        "respond",
        "reopen",
        "respond",
        "close",
    ]


# --- pages ------------------------------------------------------------------------------------------------------


def test_the_form_is_prefilled_from_the_system_checks(personas, login):
    Seal.objects.create(community=personas.community_x, name="公章", keeper=personas.director, is_specimen=True)
    response = login(personas.street_officer).get(reverse("desk:inspection_new", args=[personas.community_x.code]))
    form = response.context["form"]
    assert form[ChecklistItem.KEEPER_NOT_APPROVER].initial == CheckResult.NOT_MET
    assert form[ChecklistItem.REGISTER_VERIFIED].initial == CheckResult.MET
    assert "同时是社区主任" in response.content.decode()


def test_recording_through_the_page(personas, login):
    client = login(personas.street_officer)
    url = reverse("desk:inspection_new", args=[personas.community_x.code])
    data = {"inspected_on": TODAY.isoformat(), "summary": "例行检查"}
    for key in ChecklistItem.values:
        data[key] = CheckResult.MET
    data["seal_ledger"] = CheckResult.NOT_MET
    data["seal_ledger_note"] = "用印登记缺页"
    response = client.post(url, data)
    assert response.status_code == 200  # no deadline: the form comes back with what was typed
    assert "用印登记缺页" in response.content.decode()
    assert "不符合的项目请规定整改期限。" in response.content.decode()
    data["seal_ledger_deadline"] = (TODAY + dt.timedelta(15)).isoformat()
    response = client.post(url, data)
    assert response.status_code == 302
    finding = Finding.objects.get()
    page = client.get(reverse("desk:inspections", args=[personas.community_x.code])).content.decode()
    assert reverse("desk:finding", args=[finding.pk]) in page
    # the community's staff read it and report through the finding page
    staff = login(personas.staff_x)
    response = staff.post(reverse("desk:finding", args=[finding.pk]), {"action": "respond", "note": "已补登"})
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == FindingStatus.RESPONDED


def test_a_county_officer_may_not_inspect_another_county(personas, login):
    response = login(personas.other_county_officer).get(
        reverse("desk:inspection_new", args=[personas.community_x.code])
    )
    assert response.status_code == 404


def test_overdue_findings_show_on_the_oversight_area(personas, login, finding):
    Finding.objects.filter(pk=finding.pk).update(deadline=TODAY - dt.timedelta(1))
    page = login(personas.county_officer).get(reverse("desk:oversight_area", args=["610113000000"]))
    assert reverse("desk:finding", args=[finding.pk]) in page.content.decode()
    assert [f.pk for f in page.context["overdue_findings"]] == [finding.pk]
    elsewhere = login(personas.other_county_officer).get(reverse("desk:oversight_area", args=["610112000000"]))
    assert elsewhere.context["overdue_findings"] == []


def test_a_keeper_reads_but_does_not_report(personas, login, finding):
    response = login(personas.keeper).get(reverse("desk:finding", args=[finding.pk]))
    assert response.status_code == 200
    assert response.context["actions"] == []


def test_an_issued_certificate_with_its_seal_row_passes_the_ledger_check(personas):
    """A community with a properly issued certificate (register entry, seal row, certificate) is not flagged, and
    its records do not make another community's check fail or pass."""
    from tests.certificates.test_oversight import _revoke

    issued = make_request(
        community=personas.community_x,
        item=IssuableItem.objects.get(code="610113-ZM01"),
        applicant=personas.resident_a,
        status=Status.ISSUED,
    )
    _revoke(issued, personas)
    assert inspections.system_checks(personas.community_x)[ChecklistItem.SEAL_LEDGER].ok is True
    assert inspections.system_checks(personas.community_y)[ChecklistItem.SEAL_LEDGER].ok is True


# --- criticism (通报批评) ------------------------------------------------------------------------------------------


def test_a_criticism_is_numbered_per_county_rendered_once_and_kept(personas, finding):
    import hashlib

    from certificates.models import Criticism

    first = inspections.criticism_issue(
        community=personas.community_x,
        actor=personas.county_officer,
        facts="逾期未对3件告知承诺事项开展事后核查",
        requirement="十个工作日内完成核查并报街道",
        finding=finding,
    )
    second = inspections.criticism_issue(
        community=personas.village, actor=personas.county_officer, facts="清单未张贴", requirement="立即张贴"
    )
    year = timezone.localdate().year
    assert (first.number, second.number) == (1, 2)
    assert first.display_number == f"雁塔区民政督通〔{year}〕1号"
    data = first.read_pdf()
    assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == first.sha256
    with pytest.raises(PermanentRecordError):
        first.facts = "改写"
        first.save()
    with pytest.raises(PermanentRecordError):
        Criticism.objects.filter(pk=first.pk).delete()


@pytest.mark.parametrize("who", ["street_officer", "other_county_officer", "provincial_officer", "director"])
def test_only_the_county_criticises(personas, who):
    with pytest.raises(WorkflowError) as refused:
        inspections.criticism_issue(
            community=personas.community_x, actor=getattr(personas, who), facts="事实", requirement="要求"
        )
    assert refused.value.forbidden


def test_a_criticism_needs_facts_and_a_requirement(personas):
    with pytest.raises(RequestInvalid) as invalid:
        inspections.criticism_issue(
            community=personas.community_x, actor=personas.county_officer, facts=" ", requirement=""
        )
    assert set(invalid.value.errors) == {"facts", "requirement"}


def test_the_stored_pdf_is_served_and_a_changed_file_is_refused(personas, login, finding):
    criticism = inspections.criticism_issue(
        community=personas.community_x, actor=personas.county_officer, facts="事实", requirement="要求"
    )
    url = reverse("desk:criticism_pdf", args=[criticism.pk])
    response = login(personas.director).get(url)
    assert response.status_code == 200 and response.content == criticism.read_pdf()
    assert login(personas.staff_y).get(url).status_code == 404
    with criticism.pdf.open("wb") as handle:
        handle.write(b"%PDF-1.7 altered")
    with pytest.raises(PermanentRecordError):
        criticism.read_pdf()


def test_issuing_through_the_page_keeps_what_was_typed_on_an_error(personas, login, finding):
    client = login(personas.county_officer)
    url = reverse("desk:criticism_new", args=[personas.community_x.code])
    response = client.post(url, {"facts": "未张贴清单", "requirement": "", "finding": finding.pk})
    assert response.status_code == 200
    assert "未张贴清单" in response.content.decode() and "请写明整改要求。" in response.content.decode()
    response = client.post(url, {"facts": "未张贴清单", "requirement": "立即张贴", "finding": finding.pk})
    assert response.status_code == 302
    assert finding.criticisms.count() == 1


def test_the_document_is_chinese_whatever_the_officers_language(personas):
    from django.utils import translation

    with translation.override("en"):
        criticism = inspections.criticism_issue(
            community=personas.community_x, actor=personas.county_officer, facts="事实", requirement="要求"
        )
    assert criticism.display_number.startswith("雁塔区民政督通〔")


@pytest.mark.parametrize("table", ["certificates_inspection", "certificates_findingevent"])
def test_the_database_refuses_to_change_inspection_records(personas, finding, table):
    from django.db import DatabaseError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only; on SQLite the model guard above is the protection")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET id = id")  # noqa: S608 -- a fixed table name from the parameters above
