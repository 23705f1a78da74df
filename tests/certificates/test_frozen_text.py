"""What is signed is what is printed: the register entry keeps the certificate's text from the director's signature,
the keeper seals that text, and editing the catalog item afterwards changes nothing already signed. The director
and the keeper read that exact text (a 样稿 preview from the same document object) before they act."""

import subprocess

import pytest
from django.urls import reverse

from certificates import workflow
from certificates.models import IssuedCertificate, RegisterEntry, Status
from tests.factories import make_request


def pdf_text(certificate: IssuedCertificate, tmp_path) -> str:
    path = tmp_path / "c.pdf"
    path.write_bytes(certificate.read_pdf())
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(text.split())


def awaiting_signature(personas, item, **values):
    return make_request(
        community=personas.community_x,
        item=item,
        applicant=personas.resident_a,
        status=Status.AWAITING_SIGNATURE,
        verified_by=personas.staff_x,
        field_values={"relative_name": "李四", "relation": "父子", "notary_office": "西安市某公证处", **values},
    )


def issue(personas, request, seal):
    issued = workflow.issue(request_id=request.pk, actor=personas.keeper, seal_id=seal.pk)
    return IssuedCertificate.objects.get(entry__request=issued)


def test_editing_the_item_after_signing_changes_nothing_the_keeper_seals(personas, item, seal, tmp_path):
    signed = workflow.sign(request_id=awaiting_signature(personas, item).pk, actor=personas.director)
    old_name = item.name
    item.name = "亲属关系证明（新版）"
    item.body_template = "全新的正文：{applicant_name}与{relative_name}的关系另行说明。\n特此证明。"
    item.validity_months = 12
    item.save()

    text = pdf_text(issue(personas, signed, seal), tmp_path)
    assert "全新的正文" not in text and "另行说明" not in text and "（新版）" not in text
    assert "与李四系父子关系" in text  # the body as signed
    assert old_name in text
    assert "3个月内有效" in text and "12个月" not in text


def test_the_register_entry_keeps_the_text_as_signed(personas, item):
    signed = workflow.sign(request_id=awaiting_signature(personas, item).pk, actor=personas.director)
    entry = RegisterEntry.objects.get(request=signed)
    assert entry.has_frozen_text
    assert entry.certificate_addressee == "西安市某公证处"  # the body's opening line: who it is addressed to
    assert "与李四系父子关系" in entry.certificate_body and not entry.certificate_body.startswith("西安市某公证处：")
    assert entry.validity_months == item.validity_months == 3
    assert entry.item_version == item.history.values_list("history_id", flat=True).first()
    assert (entry.matter_name, entry.purpose, entry.requesting_body) == (item.name, "办理公证", "西安市某公证处")


def test_an_entry_signed_before_texts_were_frozen_prints_the_item_version_of_its_signature(
    personas, item, seal, tmp_path
):
    from django.utils import timezone

    request = awaiting_signature(personas, item)
    version = item.history.values_list("history_id", flat=True).first()
    type(request).objects.filter(pk=request.pk).update(
        status=Status.SIGNED, signed_by=personas.director, signed_at=timezone.now()
    )
    RegisterEntry.objects.create(  # as workflow.sign wrote it before this change: no text, only the item version
        community=personas.community_x,
        year=2026,
        number=1,
        display_number="证〔2026〕1号",
        request=request,
        registered_at=timezone.now(),
        applicant_name=request.applicant_name,
        applicant_id_number=request.applicant_id_number,
        matter_name=item.name,
        item_version=version,
        purpose=request.purpose,
        requesting_body=request.requesting_body,
        verifier=personas.staff_x,
        signer=personas.director,
    )
    item.body_template = "全新的正文：{applicant_name}。"
    item.save()
    request.refresh_from_db()
    text = pdf_text(issue(personas, request, seal), tmp_path)
    assert "全新的正文" not in text and "与李四系父子关系" in text


def test_the_director_reads_the_exact_certificate_text_before_signing(personas, login, item):
    request = awaiting_signature(personas, item, relative_name="<b>李四</b>")
    page = login(personas.director).get(reverse("desk:detail", args=[request.pk])).content.decode()
    assert "样稿" in page and "签字批准并登记" in page
    assert page.count("<h1") == 1  # the certificate's title is not a second page heading
    preview = page[page.index('class="certificate-preview"') :]
    assert "&lt;b&gt;李四&lt;/b&gt;" in preview and "<b>李四</b>" not in page  # typed text is text, never markup
    assert "致：西安市某公证处" in preview and "系父子关系" in preview
    # the body states the purpose; the layout does not repeat it, and 特此证明 closes the text
    assert preview.count("用于") == 1 and "特此证明。" in preview
    assert "本证明自出具之日起3个月内有效" in preview
    assert "核验码" not in preview and "data:image" not in preview  # no code, no QR, no seal before sealing


def test_the_preview_and_the_pdf_are_the_same_document(personas, login, item, seal, tmp_path):
    from certificates.documents import build_preview
    from certificates.freeze import certificate_text

    request = awaiting_signature(personas, item)
    preview = build_preview(text=certificate_text(request), community=personas.community_x, on=dt_today())
    signed = workflow.sign(request_id=request.pk, actor=personas.director)
    printed = pdf_text(issue(personas, signed, seal), tmp_path)
    for line in (preview.title, preview.addressee, *preview.body_lines, preview.closing, preview.committee_name):
        assert "".join(line.split()) in printed


def dt_today():
    from django.utils import timezone

    return timezone.localdate()


def test_the_keeper_reads_the_frozen_text_and_the_director_sees_it_after_signing(personas, login, item, seal):
    signed = workflow.sign(request_id=awaiting_signature(personas, item).pk, actor=personas.director)
    item.body_template = "全新的正文：{applicant_name}。"
    item.save()
    queue = login(personas.keeper).get(reverse("issuance:keeper_queue")).content.decode()
    assert "签字时固定的证明内容" in queue and "系父子关系" in queue and "全新的正文" not in queue
    entry = RegisterEntry.objects.get(request=signed)
    assert entry.display_number in queue and "加盖印章并出具" in queue
    page = login(personas.director).get(reverse("desk:detail", args=[signed.pk])).content.decode()
    assert "签字时已固定" in page and "系父子关系" in page and "全新的正文" not in page


def test_a_resident_never_sees_the_desk_preview(personas, login, item):
    request = awaiting_signature(personas, item)
    assert login(personas.resident_a).get(reverse("desk:detail", args=[request.pk])).status_code == 404


@pytest.mark.parametrize("status", [Status.VERIFIED, Status.ISSUED])
def test_no_preview_outside_signing_and_sealing(personas, login, item, status):
    from certificates.freeze import preview_for

    request = make_request(community=personas.community_x, item=item, applicant=personas.resident_a, status=status)
    assert preview_for(request) is None
