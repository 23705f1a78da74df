"""Issuing: seal separation, one render stored once, font coverage, renderer isolation, verification status."""

import datetime as dt
import hashlib
import subprocess

import pytest

from certificates import workflow
from certificates.issuance import Validity, certificate_revoke, validity_of
from certificates.models import IssuedCertificate, Status
from certificates.workflow import WorkflowError
from portal.roles import Role
from seals.models import SealUse
from tests.factories import member


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "c.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout


def issue(personas, request, seal, keeper=None):
    return workflow.issue(request_id=request.pk, actor=keeper or personas.keeper, seal_id=seal.pk)


def test_the_keeper_issues_once_and_the_pdf_is_stored_with_its_hash(personas, signed_request, seal, tmp_path):
    request = issue(personas, signed_request, seal)
    assert request.status == Status.ISSUED
    certificate = IssuedCertificate.objects.get(entry__request=request)
    data = certificate.read_pdf()
    assert hashlib.sha256(data).hexdigest() == certificate.sha256 and data.startswith(b"%PDF")
    text = pdf_text(data, tmp_path)
    for expected in (request.applicant_name, certificate.entry.display_number, "育才路社区居民委员会", "李四"):
        assert expected in text
    # a specimen seal: the document carries a DEMO watermark and can never pass for real
    assert certificate.demo and "演示DEMO无效" in "".join(text.split())
    use = SealUse.objects.get()
    assert (use.approved_by, use.applied_by, use.register_entry) == (
        personas.director,
        personas.keeper,
        certificate.entry,
    )
    with pytest.raises(WorkflowError):  # a double click or a second keeper: still one certificate
        issue(personas, request, seal)
    assert IssuedCertificate.objects.count() == 1 and SealUse.objects.count() == 1


def test_the_pdf_never_changes_after_the_item_template_changes(personas, signed_request, seal):
    request = issue(personas, signed_request, seal)
    certificate = IssuedCertificate.objects.get(entry__request=request)
    before = certificate.read_pdf()
    item = request.item
    item.body_template = "全新的正文模板：{applicant_name}。"
    item.save()
    certificate.refresh_from_db()
    assert certificate.read_pdf() == before


def test_the_director_who_signed_can_never_apply_the_seal_even_holding_both_roles(personas, signed_request, seal):
    member(personas.director, Role.KEEPER, personas.community_x)
    seal.keeper = personas.director
    seal.save()
    with pytest.raises(WorkflowError) as error:
        issue(personas, signed_request, seal, keeper=personas.director)
    assert "审批人与保管人不得为同一人" in error.value.message
    assert not SealUse.objects.exists()
    signed_request.refresh_from_db()
    assert signed_request.status == Status.SIGNED


def test_only_the_seals_keeper_applies_it_and_never_a_retired_seal(personas, signed_request, seal):
    other_keeper = personas.staff_x
    member(other_keeper, Role.KEEPER, personas.community_x)
    with pytest.raises(WorkflowError, match="保管人"):
        issue(personas, signed_request, seal, keeper=other_keeper)
    seal.status = "lost"
    seal.save()
    with pytest.raises(WorkflowError, match="不能使用"):
        issue(personas, signed_request, seal)


def test_rare_characters_in_the_font_are_printed_and_missing_ones_stop_signing(personas, item, seal, tmp_path):
    from certificates.models import NumberCounter
    from tests.factories import make_request

    def signed(name):
        request = make_request(
            community=personas.community_x,
            item=item,
            applicant=personas.resident_a,
            status="awaiting_signature",
            verified_by=personas.staff_x,
            applicant_name=name,
            field_values={"relative_name": "李四", "relation": "父子", "notary_office": "某公证处"},
        )
        return workflow.sign(request_id=request.pk, actor=personas.director)

    request = issue(personas, signed("王䶮𠮷"), seal)
    text = pdf_text(IssuedCertificate.objects.get(entry__request=request).read_pdf(), tmp_path)
    assert "王䶮𠮷" in text
    with pytest.raises(WorkflowError) as error:  # CJK Extension G: not in Noto Serif CJK
        signed("王\U00030000")
    assert "\U00030000" in error.value.message and "字库" in error.value.message
    # refused before a register number is taken: the next signing gets number 2
    assert NumberCounter.objects.get(community=personas.community_x).last_number == 1
    assert IssuedCertificate.objects.count() == 1


def test_html_in_user_fields_renders_as_text_and_fetches_nothing(personas, item, seal, tmp_path):
    from tests.factories import make_request

    request = make_request(
        community=personas.community_x,
        item=item,
        applicant=personas.resident_a,
        status="awaiting_signature",
        verified_by=personas.staff_x,
        field_values={"relative_name": '<img src="file:///etc/passwd">', "relation": "父子", "notary_office": "某处"},
    )
    request = issue(personas, workflow.sign(request_id=request.pk, actor=personas.director), seal)
    data = IssuedCertificate.objects.get(entry__request=request).read_pdf()
    assert '<imgsrc="file:///etc/passwd">' in "".join(pdf_text(data, tmp_path).split())  # shown as text
    assert b"root:x:0:0" not in data


def test_validity_valid_revoked_expired(personas, signed_request, seal):
    request = issue(personas, signed_request, seal)
    certificate = IssuedCertificate.objects.get(entry__request=request)
    assert validity_of(certificate) == Validity.VALID
    assert validity_of(certificate, today=certificate.valid_until + dt.timedelta(days=1)) == Validity.EXPIRED
    with pytest.raises(Exception, match="撤销证明”的权限"):  # the director's alone
        certificate_revoke(certificate=certificate, actor=personas.staff_x, reason="核查不实")
    certificate_revoke(certificate=certificate, actor=personas.director, reason="事后核查发现承诺不实")
    certificate.refresh_from_db()
    assert validity_of(certificate) == Validity.REVOKED
    request.refresh_from_db()
    assert request.status == Status.REVOKED and request.get_status_display() == "已撤销"  # not 已出具
    assert request.events.filter(action="revoke", from_status="issued", to_status="revoked").exists()
    with pytest.raises(Exception, match="已撤销"):  # once
        certificate_revoke(certificate=certificate, actor=personas.director, reason="再次撤销")


def test_the_certificate_and_its_number_are_chinese_whatever_the_keepers_language(
    personas, signed_request, seal, tmp_path
):
    from django.utils import translation

    with translation.override("en"):
        request = issue(personas, signed_request, seal)
    certificate = IssuedCertificate.objects.get(entry__request=request)
    assert "号" in certificate.entry.display_number
    text = "".join(pdf_text(certificate.read_pdf(), tmp_path).split())
    assert "特此证明" in text and "核验码" in text and "年" in text
