"""Every path by which text can end on a sealed document refuses liability wording (陕西通知 二(一)) and unprintable
characters, through HTTP: the message names the words next to the field, the form comes back with what was typed,
and nothing is created, signed or sealed. Ordinary certificate wording still passes."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from certificates import workflow
from certificates.demo import TINY_PDF
from certificates.models import (
    CertificateRequest,
    Deliberation,
    IssuedCertificate,
    RegisterEntry,
    Status,
)
from seals.models import SealUse, SealUseRequest, UseRequestStatus
from tests.factories import make_request

X = "610113001001"  # 育才路, the community of resident_a, staff_x, director and keeper
LIABILITY = "如其违约，本社区承担连带责任"
PRIVATE_USE = "王\ue000明"  # an input method's home-made character: prints as a blank box
PDF = TINY_PDF


def pdf(name="scan.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def page_of(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def names_the_words(message: str, words: str = "承担连带责任") -> bool:
    return words in message and "印章" in message


# --- the resident's application ------------------------------------------------------------------------------------


def resident_post(**overrides):
    data = {
        "applicant_name": "王小明",
        "applicant_phone": "13800000001",
        "purpose": "办理亲属关系公证",
        "requesting_body": "西安市某公证处",
        "requesting_basis": "《公证程序规则》第二十六条",
        "field_relative_name": "李四",
        "field_relation": "父子",
        "field_notary_office": "西安市某公证处",
        "material_0": pdf("身份证.pdf"),
        "material_1": pdf("户口簿.pdf"),
    }
    data.update(overrides)
    return data


def apply_url():
    return reverse("requests:apply", args=[X, "610113-ZM01"])


def test_the_resident_form_refuses_liability_in_a_field_next_to_it_and_keeps_the_text(personas, login):
    client = login(personas.resident_a)
    response = client.post(apply_url(), resident_post(field_relation=f"父子，{LIABILITY}"))
    assert response.status_code == 200 and not CertificateRequest.objects.exists()
    form = response.context["form"]
    assert names_the_words(form.errors["field_relation"][0])
    assert form["field_relation"].value() == f"父子，{LIABILITY}"
    assert "承担连带责任" in page_of(response)


def test_the_resident_form_refuses_liability_in_the_requesting_body_printed_on_the_certificate(personas, login):
    response = login(personas.resident_a).post(apply_url(), resident_post(requesting_body="某银行（贷款担保）"))
    assert response.status_code == 200 and not CertificateRequest.objects.exists()
    assert names_the_words(response.context["form"].errors["requesting_body"][0], "担保")


def test_the_resident_form_refuses_unprintable_characters_naming_the_code_point(personas, login):
    response = login(personas.resident_a).post(apply_url(), resident_post(field_relative_name=PRIVATE_USE))
    assert response.status_code == 200 and not CertificateRequest.objects.exists()
    message = response.context["form"].errors["field_relative_name"][0]
    assert "U+E000" in message
    assert response.context["form"]["field_relative_name"].value() == PRIVATE_USE


def test_ordinary_certificate_wording_still_passes(personas, login):
    response = login(personas.resident_a).post(
        apply_url(),
        resident_post(field_relation="父子\n经入户核实，情况属实。特此证明。", requesting_body="西安市某公证处"),
    )
    assert response.status_code == 302
    assert CertificateRequest.objects.get().field_values["relation"].startswith("父子")


# --- the counter (一窗受理) -------------------------------------------------------------------------------------------


def counter_post(personas, **overrides):
    data = {
        "applicant_name": "王小明",
        "applicant_id_number": personas.resident_a.id_number,
        "applicant_phone": "13900000000",
        "account": "",
        "purpose": "办理亲属关系公证",
        "requesting_body": "西安市某公证处",
        "requesting_basis": "公证法第十一条",
        "field_relative_name": "李四",
        "field_relation": "父子",
        "field_notary_office": "西安市某公证处",
        "material_0": pdf("id.pdf"),
        "material_1": pdf("hukou.pdf"),
    }
    data.update(overrides)
    return data


def test_the_counter_form_refuses_liability_and_unprintable_text_through_the_same_service(personas, login):
    url = reverse("desk:counter_entry", args=[X, "610113-ZM01"])
    client = login(personas.staff_x)
    response = client.post(
        url, counter_post(personas, field_notary_office=f"某公证处，{LIABILITY}", requesting_basis="规定\x07")
    )
    assert response.status_code == 200 and not CertificateRequest.objects.exists()
    form = response.context["form"]
    assert names_the_words(form.errors["field_notary_office"][0])
    assert "U+0007" in form.errors["requesting_basis"][0]
    assert form["field_notary_office"].value() == f"某公证处，{LIABILITY}"
    assert client.post(url, counter_post(personas)).status_code == 302  # the ordinary entry goes through


# --- the exceptional path (清单外据实出具) -------------------------------------------------------------------------------


def exceptional_post(personas, **overrides):
    data = {
        "matter_name": "老旧小区加装电梯意见征集情况证明",
        "can_verify": "社区留存意见征集表和入户记录",
        "risk_assessment": "仅证明征集过程事实",
        "applicant_name": "赵六",
        "applicant_id_number": personas.resident_a.id_number,
        "purpose": "申请加装电梯补贴",
        "requesting_body": "区住建局",
        "requesting_basis": "既有住宅加装电梯实施办法第八条",
    }
    data.update(overrides)
    return data


def test_the_exceptional_path_refuses_a_liability_title_and_purpose(personas, login):
    url = reverse("desk:exceptional_new", args=[X])
    response = login(personas.staff_x).post(
        url, exceptional_post(personas, matter_name="个人贷款担保证明", purpose=f"贷款，{LIABILITY}")
    )
    assert response.status_code == 200 and not CertificateRequest.objects.exists()
    form = response.context["form"]
    assert names_the_words(form.errors["matter_name"][0], "担保")
    assert names_the_words(form.errors["purpose"][0])
    assert form["purpose"].value() == f"贷款，{LIABILITY}"


def act(client, request, action, **fields):
    request.refresh_from_db()
    data = {"action": action, f"{action}-revision": request.revision}
    data.update({f"{action}-{name}": value for name, value in fields.items()})
    return client.post(reverse("desk:detail", args=[request.pk]), data)


def test_the_staff_statement_that_becomes_an_exceptional_certificates_body_is_guarded(personas, login):
    request = make_request(
        community=personas.community_x,
        item=None,
        exceptional=True,
        exceptional_name="加装电梯意见征集情况证明",
        created_by=personas.staff_x,
        status=Status.SUBMITTED,
    )
    client = login(personas.staff_x)
    statement = f"经入户核实，同意加装电梯的住户占三分之二以上。{LIABILITY}"
    response = act(client, request, "verify", method="home_visit", note=statement)
    assert response.status_code == 200
    failed = next(p for p in response.context["panels"] if p.action == "verify")
    assert names_the_words(failed.form.errors["note"][0])
    assert failed.form["note"].value() == statement  # what was typed comes back
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED and request.verification_note == ""
    # the same note on a listed item is an internal record, not printed: only the printable check applies
    response = act(client, request, "verify", method="home_visit", note="经入户核实，情况属实。")
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == Status.VERIFIED


# --- deliberation (not printed: its texts are stored, so only the printable check applies) --------------------------


def test_a_deliberation_record_with_unprintable_characters_is_refused_next_to_the_field(
    personas, login, deliberation_item
):
    request = make_request(
        community=personas.community_x,
        item=deliberation_item,
        applicant=personas.resident_a,
        status=Status.AWAITING_DELIBERATION,
        verified_by=personas.staff_x,
    )
    client = login(personas.staff_x)
    fields = {
        "held_on": dt.date(2026, 1, 5).isoformat(),
        "place": "社区议事厅\U000f0001",  # plane-15 private use
        "participants": "居民代表21人",
        "total": 21,
        "agreed": 15,
    }
    response = act(client, request, "record_deliberation", **fields)
    assert response.status_code == 200 and not Deliberation.objects.exists()
    failed = next(p for p in response.context["panels"] if p.action == "record_deliberation")
    assert "U+F0001" in failed.form.errors["place"][0]
    assert failed.form["participants"].value() == "居民代表21人"
    fields["place"] = "社区议事厅"
    assert act(client, request, "record_deliberation", **fields).status_code == 302
    assert Deliberation.objects.count() == 1


def test_a_supplement_note_with_a_control_character_is_refused_and_kept(personas, login, item):
    request = make_request(
        community=personas.community_x,
        item=item,
        applicant=personas.resident_a,
        status=Status.AWAITING_SUPPLEMENT,
    )
    response = login(personas.resident_a).post(
        reverse("requests:supplement", args=[request.pk]), {"revision": request.revision, "note": "已补充\x1b[0m"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "U+001B" in form.errors["note"][0] and form["note"].value() == "已补充\x1b[0m"
    request.refresh_from_db()
    assert request.status == Status.AWAITING_SUPPLEMENT


# --- signing and the issuance chokepoint ----------------------------------------------------------------------------


def test_signing_refuses_liability_written_into_the_database_and_takes_no_number(personas, login, item):
    from certificates.models import NumberCounter

    request = make_request(  # written directly, as by an import or an older version of the portal
        community=personas.community_x,
        item=item,
        applicant=personas.resident_a,
        status=Status.AWAITING_SIGNATURE,
        verified_by=personas.staff_x,
        field_values={"relative_name": "李四", "relation": f"父子。{LIABILITY}", "notary_office": "某公证处"},
    )
    client = login(personas.director)
    page = page_of(client.get(reverse("desk:detail", args=[request.pk])))
    assert "不能签字" in page and "承担连带责任" in page  # the director's preview says so before the button
    response = act(client, request, "sign")
    assert any(names_the_words(m) for m in messages_of(response))
    request.refresh_from_db()
    assert request.status == Status.AWAITING_SIGNATURE
    assert not RegisterEntry.objects.exists() and not NumberCounter.objects.filter(last_number__gt=0).exists()


def crafted_signed_request(personas, item, body: str):
    """A signed request whose register entry was written directly into the database (not through workflow.sign)."""
    from django.utils import timezone

    request = make_request(
        community=personas.community_x,
        item=item,
        applicant=personas.resident_a,
        status=Status.SIGNED,
        verified_by=personas.staff_x,
        signed_by=personas.director,
        signed_at=timezone.now(),
        field_values={"relative_name": "李四", "relation": "父子", "notary_office": "某公证处"},
    )
    RegisterEntry.objects.create(
        community=personas.community_x,
        year=2026,
        number=1,
        display_number="证〔2026〕1号",
        request=request,
        registered_at=timezone.now(),
        applicant_name=request.applicant_name,
        applicant_id_number=request.applicant_id_number,
        matter_name=item.name,
        item_version=item.history.values_list("history_id", flat=True).first(),
        purpose=request.purpose,
        requesting_body=request.requesting_body,
        certificate_addressee="某公证处",
        certificate_body=body,
        validity_months=3,
        has_frozen_text=True,
        verifier=personas.staff_x,
        signer=personas.director,
    )
    return request


def test_the_issuance_chokepoint_refuses_a_liability_text_written_into_the_database(personas, login, item, seal):
    request = crafted_signed_request(personas, item, f"经核实，王小明与李四系父子关系。\n{LIABILITY}。\n特此证明。")
    client = login(personas.keeper)
    queue = page_of(client.get(reverse("issuance:keeper_queue")))
    assert "不能用印" in queue and "承担连带责任" in queue and "加盖印章并出具" not in queue
    response = client.post(
        reverse("issuance:issue", args=[request.pk]), {"seal": seal.pk, "revision": request.revision}, follow=True
    )
    assert response.status_code == 200
    assert any(names_the_words(m) for m in messages_of(response))
    request.refresh_from_db()
    assert request.status == Status.SIGNED
    assert not IssuedCertificate.objects.exists() and not SealUse.objects.exists()


def test_the_issuance_chokepoint_refuses_a_character_outside_the_font_written_into_the_database(personas, item, seal):
    request = crafted_signed_request(personas, item, "经核实，王\U00030000与李四系父子关系。\n特此证明。")
    with pytest.raises(workflow.WorkflowError) as error:
        workflow.issue(request_id=request.pk, actor=personas.keeper, seal_id=seal.pk)
    assert "\U00030000" in error.value.message and "字库" in error.value.message
    assert not IssuedCertificate.objects.exists() and not SealUse.objects.exists()


def test_the_catalogs_own_disclaimer_is_printed_but_liability_filled_into_it_is_not(personas, deliberation_item, seal):
    """610113-ZM08 says "不承担任何法律或经济责任" in the wording the county published; that wording passes, a value
    filled into the same template does not."""

    def signed(matter):
        request = make_request(
            community=personas.community_x,
            item=deliberation_item,
            applicant=personas.resident_a,
            status=Status.AWAITING_DELIBERATION,
            verified_by=personas.staff_x,
            field_values={"matter": matter},  # the outcome is the community's record (freeze._deliberation_outcome)
        )
        workflow.record_deliberation(
            request_id=request.pk,
            actor=personas.staff_x,
            held_on=dt.date(2026, 1, 5),
            place="议事厅",
            participants="居民代表",
            agreed=15,
            total=21,
        )
        return workflow.sign(request_id=request.pk, actor=personas.director)

    issued = workflow.issue(request_id=signed("加装电梯").pk, actor=personas.keeper, seal_id=seal.pk)
    assert issued.status == Status.ISSUED
    with pytest.raises(workflow.WorkflowError) as error:
        signed(f"加装电梯，{LIABILITY}")
    assert names_the_words(error.value.message)


# --- non-certificate seal use: asked, approved, stamped ---------------------------------------------------------------


def test_a_seal_use_request_for_a_guarantee_is_refused_when_asked(personas, login, seal):
    url = reverse("seals:use_request_new", args=[X])
    client = login(personas.staff_x)
    data = {"seal": seal.pk, "document_title": "张三贷款担保书", "reason": f"报送银行，{LIABILITY}", "copies": 1}
    response = client.post(url, data)
    assert response.status_code == 400  # the seals pages answer a refused form with 400, the form kept
    assert not SealUseRequest.objects.exists()
    form = response.context["form"]
    assert names_the_words(form.errors["document_title"][0], "担保")
    assert names_the_words(form.errors["reason"][0])
    assert form["reason"].value() == f"报送银行，{LIABILITY}"
    ordinary = {
        "seal": seal.pk,
        "document_title": "社区养老服务站申请报告",
        "reason": "仅用于办理补贴申请",
        "copies": 1,
    }
    assert client.post(url, ordinary).status_code == 302


def old_use_request(personas, seal, status=UseRequestStatus.PENDING):
    """A request written before the guard existed (directly into the database)."""
    from django.utils import timezone

    return SealUseRequest.objects.create(
        community=personas.community_x,
        seal=seal,
        document_title="李四借款担保书",
        reason="报送银行",
        requested_by=personas.staff_x,
        status=status,
        decided_by=personas.director if status == UseRequestStatus.APPROVED else None,
        decided_at=timezone.now() if status == UseRequestStatus.APPROVED else None,
    )


def test_an_old_guarantee_request_cannot_be_approved_only_refused(personas, login, seal):
    use_request = old_use_request(personas, seal)
    client = login(personas.director)
    ledger = page_of(client.get(reverse("seals:ledger", args=[X])))
    assert "不能批准或用印" in ledger and "担保" in ledger
    decide = reverse("seals:use_request_decide", args=[X, use_request.pk])
    prefix = f"decide-{use_request.pk}"
    response = client.post(decide, {f"{prefix}-decision": "approve", f"{prefix}-note": "同意用印"})
    assert response.status_code == 400
    form = next(r.decide_form for r in response.context["open_requests"] if r.obj.pk == use_request.pk)
    assert any(names_the_words(e, "担保") for e in form.non_field_errors())
    assert form["note"].value() == "同意用印"
    use_request.refresh_from_db()
    assert use_request.status == UseRequestStatus.PENDING
    refused = client.post(decide, {f"{prefix}-decision": "refuse", f"{prefix}-note": "担保书不能加盖社区印章"})
    assert refused.status_code == 302
    use_request.refresh_from_db()
    assert use_request.status == UseRequestStatus.REFUSED


def test_an_old_approved_guarantee_request_is_never_stamped(personas, login, seal):
    use_request = old_use_request(personas, seal, status=UseRequestStatus.APPROVED)
    client = login(personas.keeper)
    assert "确认已用印" not in page_of(client.get(reverse("seals:ledger", args=[X])))
    response = client.post(reverse("seals:use_request_apply", args=[X, use_request.pk]), follow=True)
    assert response.status_code == 200
    assert any(names_the_words(m, "担保") for m in messages_of(response))
    assert not SealUse.objects.exists()
    use_request.refresh_from_db()
    assert use_request.status == UseRequestStatus.APPROVED
