"""Verification that proves the content (issue 10): a masked summary of what was certified, the revoked page showing
the date and the reason's category (never the written reason), a revoked certificate downloaded with 已撤销 on every
page while the stored original keeps its hash, and every check recorded for the holder to see."""

import hashlib
import subprocess

import pikepdf
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from certificates import workflow
from certificates.issuance import IssuanceRefused, certificate_revoke
from certificates.models import IssuedCertificate, RevocationCategory, VerificationRecord
from certificates.verification import mask_client


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def certificate(personas, signed_request, seal) -> IssuedCertificate:
    request = workflow.issue(request_id=signed_request.pk, actor=personas.keeper, seal_id=seal.pk)
    return IssuedCertificate.objects.get(entry__request=request)


def test_the_page_shows_a_masked_summary_of_what_was_certified(client, certificate):
    entry = certificate.entry
    page = client.get(reverse("verify", args=[certificate.code])).content.decode()
    summary = page[page.index("证明内容摘要") :]
    assert "亲属关系证明（仅限公证）" in summary and entry.display_number in summary
    assert "雁塔区小寨路街道育才路社区居民委员会" in summary  # the committee's name as on the seal
    assert entry.applicant_name[0] + "*" in summary and entry.applicant_name not in page
    assert "办理公证" in summary  # the purpose
    assert "年" in summary and "本证明自出具之日起3个月内有效（至" in summary
    assert "有效" in summary


def test_a_revoked_certificate_shows_date_and_category_not_the_written_reason(client, personas, certificate):
    certificate_revoke(
        certificate=certificate,
        actor=personas.director,
        reason="内部备注：王某来电反映",
        category=RevocationCategory.FALSE_COMMITMENT,
    )
    page = client.get(reverse("verify", args=[certificate.code])).content.decode()
    assert "撤销日期：" in page and "事后核查发现承诺不实" in page
    assert "内部备注" not in page


def test_a_revocation_needs_a_known_category(personas, certificate):
    with pytest.raises(IssuanceRefused):
        certificate_revoke(certificate=certificate, actor=personas.director, reason="理由", category="whatever")


def pdf_pages_text(data: bytes, tmp_path) -> list[str]:
    path = tmp_path / "d.pdf"
    path.write_bytes(data)
    with pikepdf.open(path) as pdf:
        count = len(pdf.pages)
    pages = []
    for n in range(1, count + 1):
        text = subprocess.run(
            ["pdftotext", "-f", str(n), "-l", str(n), str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        pages.append("".join(text.split()))
    return pages


def test_a_revoked_certificate_downloads_marked_on_every_page_and_the_original_stays(
    login, personas, certificate, tmp_path
):
    stored_before = certificate.read_pdf()
    resident = login(personas.resident_a)
    url = reverse("issuance:download", args=[certificate.entry.request_id])
    assert resident.get(url).content == stored_before  # valid: the stored bytes themselves
    certificate_revoke(
        certificate=certificate, actor=personas.director, reason="核查不实", category=RevocationCategory.OTHER
    )
    response = resident.get(url)
    assert response.status_code == 200
    marked = b"".join(response.streaming_content) if response.streaming else response.content
    assert marked != stored_before
    pages = pdf_pages_text(marked, tmp_path)
    assert pages and all("已撤销" in page for page in pages)
    assert "亲属关系证明" in pages[0]  # the certificate is still readable underneath
    certificate.refresh_from_db()
    assert hashlib.sha256(certificate.read_pdf()).hexdigest() == certificate.sha256  # original untouched
    staff = login(personas.staff_x)
    assert all("已撤销" in page for page in pdf_pages_text(staff.get(url).content, tmp_path))


def test_every_check_is_recorded_and_the_holder_sees_the_list(client, login, personas, certificate):
    url = reverse("verify", args=[certificate.code])
    client.get(url, REMOTE_ADDR="203.0.113.7")
    client.post(
        url, {"pdf": SimpleUploadedFile("c.pdf", certificate.read_pdf(), "application/pdf")}, REMOTE_ADDR="2001:db8::5"
    )
    records = list(VerificationRecord.objects.filter(certificate=certificate).order_by("at", "pk"))
    assert [(r.channel, r.client) for r in records] == [("page", "203.0.113.*"), ("file", "2001:db8:0:*")]
    page = login(personas.resident_a).get(reverse("requests:detail", args=[certificate.entry.request_id]))
    text = page.content.decode()
    assert "谁核验了我的证明（2 次）" in text and "203.0.113.*" in text and "文件比对" in text
    staff_page = login(personas.staff_x).get(reverse("desk:detail", args=[certificate.entry.request_id]))
    staff_text = staff_page.content.decode()
    assert "已被核验 2 次" in staff_text and "203.0.113.*" not in staff_text


def test_clients_are_masked_to_their_network():
    assert mask_client("198.51.100.23") == "198.51.100.*"
    assert mask_client("2001:db8:1:2::5") == "2001:db8:1:*"
    assert mask_client("unknown") == "未知"
