"""Paper issuance (issue 10): the keeper chooses paper and a number of copies (份数); the certificate says how many
copies were made; a stub (存根) for the community's file is stored beside it; the handover is recorded."""

import hashlib
import subprocess

import pytest
from django.urls import reverse

from certificates import workflow
from certificates.issuance import IssuanceRefused, certificate_receipt_record, certificate_revoke
from certificates.models import CertificateReceipt, IssuedCertificate
from certificates.workflow import WorkflowError


def text_of(data: bytes, tmp_path) -> str:
    path = tmp_path / "p.pdf"
    path.write_bytes(data)
    return "".join(
        subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout.split()
    )


@pytest.fixture
def paper(personas, signed_request, seal) -> IssuedCertificate:
    request = workflow.issue(request_id=signed_request.pk, actor=personas.keeper, seal_id=seal.pk, paper=True, copies=3)
    return IssuedCertificate.objects.get(entry__request=request)


def test_a_paper_certificate_states_its_copies_and_has_a_stub_for_the_file(paper, tmp_path):
    assert paper.paper and paper.copies == 3
    assert "本证明一式3份。" in text_of(paper.read_pdf(), tmp_path)
    stub = paper.stub_pdf.open("rb").read()
    assert hashlib.sha256(stub).hexdigest() == paper.stub_sha256
    stub_text = text_of(stub, tmp_path)
    assert "证明存根" in stub_text and paper.entry.display_number in stub_text and "领取人签字" in stub_text
    assert "3份" in stub_text and "存根由本社区留存归档，不交申请人" in stub_text
    import io

    import pikepdf

    assert len(pikepdf.open(io.BytesIO(stub)).pages) == 1  # one sheet for the file


def test_an_online_certificate_has_no_stub_and_no_copies_line(personas, signed_request, seal, tmp_path):
    request = workflow.issue(request_id=signed_request.pk, actor=personas.keeper, seal_id=seal.pk)
    online = IssuedCertificate.objects.get(entry__request=request)
    assert not online.paper and not online.stub_pdf and "一式" not in text_of(online.read_pdf(), tmp_path)
    with pytest.raises(IssuanceRefused):
        certificate_receipt_record(
            certificate=online, actor=personas.staff_x, taken_by="王五", on_behalf=False, copies=1
        )


def test_the_copies_must_be_sensible(personas, signed_request, seal):
    with pytest.raises(WorkflowError, match="份数"):
        workflow.issue(request_id=signed_request.pk, actor=personas.keeper, seal_id=seal.pk, paper=True, copies=0)
    assert not IssuedCertificate.objects.exists()


def test_the_handover_is_recorded_and_never_exceeds_the_copies(personas, paper, login):
    url = reverse("issuance:receipt", args=[paper.entry.request_id])
    staff = login(personas.staff_x)
    staff.post(url, {"taken_by": "王五", "copies": 2, "on_behalf": "on"})
    receipt = CertificateReceipt.objects.get()
    assert (receipt.taken_by, receipt.copies, receipt.on_behalf, receipt.recorded_by) == (
        "王五",
        2,
        True,
        personas.staff_x,
    )
    with pytest.raises(IssuanceRefused, match="1 至 1 份"):
        certificate_receipt_record(
            certificate=paper, actor=personas.staff_x, taken_by="王五", on_behalf=False, copies=2
        )
    assert login(personas.resident_a).post(url, {"taken_by": "我", "copies": 1}).status_code == 403
    page = login(personas.resident_a).get(reverse("requests:detail", args=[paper.entry.request_id])).content.decode()
    assert "已领取：" in page and "王*" in page and "（代领）" in page


def test_only_community_workers_download_the_stub(personas, paper, login):
    url = reverse("issuance:stub", args=[paper.entry.request_id])
    assert login(personas.keeper).get(url).content == paper.stub_pdf.open("rb").read()
    assert login(personas.resident_a).get(url).status_code == 403


def test_a_revoked_paper_certificate_is_not_handed_over(personas, paper):
    certificate_revoke(certificate=paper, actor=personas.director, reason="核查不实")
    with pytest.raises(IssuanceRefused, match="撤销"):
        certificate_receipt_record(
            certificate=paper, actor=personas.staff_x, taken_by="王五", on_behalf=False, copies=1
        )


def test_the_keeper_chooses_paper_and_copies_on_the_queue(personas, signed_request, seal, login):
    keeper = login(personas.keeper)
    assert "纸质出具（打印盖章，附存根）" in keeper.get(reverse("issuance:keeper_queue")).content.decode()
    keeper.post(
        reverse("issuance:issue", args=[signed_request.pk]),
        {"seal": seal.pk, "revision": signed_request.revision, "paper": "on", "copies": 2},
    )
    certificate = IssuedCertificate.objects.get()
    assert (certificate.paper, certificate.copies) == (True, 2) and certificate.stub_pdf
