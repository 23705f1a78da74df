"""The public verification page (/verify/<code>/): valid, revoked, expired, unknown codes that all look alike,
the byte-for-byte file check, and the rate limit."""

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from certificates import workflow
from certificates.issuance import Validity, certificate_revoke, validity_of
from certificates.models import IssuedCertificate


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def certificate(personas, signed_request, real_seal) -> IssuedCertificate:
    """A real certificate: sealed with an uploaded impression, outside demo mode."""
    request = workflow.issue(request_id=signed_request.pk, actor=personas.keeper, seal_id=real_seal.pk)
    certificate = IssuedCertificate.objects.get(entry__request=request)
    assert not certificate.demo
    return certificate


@pytest.fixture
def specimen(personas, signed_request, seal) -> IssuedCertificate:
    """A certificate sealed with a specimen seal: a demo document without any effect."""
    request = workflow.issue(request_id=signed_request.pk, actor=personas.keeper, seal_id=seal.pk)
    return IssuedCertificate.objects.get(entry__request=request, demo=True)


def verify_url(code: str) -> str:
    return reverse("verify", args=[code])


def test_a_valid_certificate(client, certificate):
    response = client.get(verify_url(certificate.code))
    page = response.content.decode()
    assert response.status_code == 200
    assert "有效：该证明由本平台出具" in page
    assert certificate.entry.display_number in page and "育才路社区居民委员会" in page
    assert certificate.entry.applicant_id_number not in page  # the holder's number is masked


def test_a_specimen_is_never_shown_as_valid(client, specimen):
    """No green 有效 beside 不具有任何效力: the page and its summary call a specimen a specimen."""
    page = client.get(verify_url(specimen.code)).content.decode()
    assert "样张：这是演示环境或样章出具的样张，不具有任何效力" in page
    assert "有效：" not in page and "alert-success" not in page
    summary = page[page.index("证明内容摘要") :]
    assert "样张，不具有效力" in summary and ">有效<" not in summary


def panel_of(login, personas, certificate) -> str:
    page = login(personas.resident_a).get(reverse("requests:detail", args=[certificate.entry.request_id]))
    return page.content.decode().split("certificate-panel", 1)[1]


def test_a_specimen_panel_shows_no_valid_badge(login, personas, specimen):
    panel = panel_of(login, personas, specimen)
    assert "text-bg-success" not in panel and ">样张</span>" in panel


def test_a_real_certificate_panel_shows_the_valid_badge(login, personas, certificate):
    panel = panel_of(login, personas, certificate)
    assert '<span class="badge text-bg-success">有效</span>' in panel and ">样张</span>" not in panel


def test_a_lowercase_grouped_code_is_found(client, certificate):
    grouped = "-".join(certificate.code[i : i + 5] for i in range(0, 26, 5)).lower()
    assert client.get(verify_url(grouped)).status_code == 200


def test_a_revoked_certificate(client, personas, certificate):
    certificate_revoke(certificate=certificate, actor=personas.director, reason="事后核查发现承诺不实")
    page = client.get(verify_url(certificate.code)).content.decode()
    assert "已撤销" in page and "有效：" not in page


def test_an_expired_certificate(client, monkeypatch, certificate):
    assert certificate.valid_until is not None
    later = certificate.valid_until + dt.timedelta(days=1)
    assert validity_of(certificate, today=later) == Validity.EXPIRED
    # The page asks certificates.issuance.validity_of, which reads today's date from django.utils.timezone.
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: later)
    page = client.get(verify_url(certificate.code)).content.decode()
    assert "已过期" in page and "有效：" not in page


def test_the_last_valid_day_is_still_valid(client, monkeypatch, certificate):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: certificate.valid_until)
    assert "有效：该证明由本平台出具" in client.get(verify_url(certificate.code)).content.decode()


def _normalized(body: bytes, code: str) -> str:
    """The page without what differs per request by design: the masked CSRF token and the echoed path."""
    text = body.decode()
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken" value=""', text)
    return text.replace(code, "CODE")


def test_unknown_codes_all_get_the_same_404(client, certificate):
    first = client.get(verify_url("ABCDE-FGHJK-MNPQR-STUVW-XYZ23-4"))
    second = client.get(verify_url("ZZZZZ"))
    assert first.status_code == second.status_code == 404
    assert "未找到该证明" in first.content.decode()
    assert _normalized(first.content, "ABCDE-FGHJK-MNPQR-STUVW-XYZ23-4") == _normalized(second.content, "ZZZZZ")
    assert certificate.entry.display_number not in first.content.decode()


def test_the_same_bytes_match_and_altered_bytes_do_not(client, certificate):
    data = certificate.read_pdf()
    same = client.post(verify_url(certificate.code), {"pdf": SimpleUploadedFile("c.pdf", data, "application/pdf")})
    assert "一致：该文件与出具时的文件完全相同" in same.content.decode()
    altered = data.replace(b"%%EOF", b"%%EOF ", 1) if b"%%EOF" in data else data + b" "
    different = client.post(
        verify_url(certificate.code), {"pdf": SimpleUploadedFile("c.pdf", altered, "application/pdf")}
    )
    page = different.content.decode()
    assert "不一致" in page and "一致：该文件与出具时的文件完全相同" not in page
    missing = client.post(verify_url(certificate.code), {})
    assert "请选择要核对的 PDF 文件" in missing.content.decode()


def test_the_rate_limit_answers_429(client, settings, certificate):
    settings.VERIFY_RATE_LIMIT = 3
    cache.clear()
    statuses = [client.get(verify_url(certificate.code)).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    fourth = client.get(verify_url("UNKNOWNCODE"))
    assert fourth.status_code == 429 and "Retry-After" in fourth
    assert "核验次数过多" in fourth.content.decode()
