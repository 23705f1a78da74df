"""Refusal-and-referral notices (issue 10): anyone may print the unnumbered guide; a numbered 不予出具告知单 is issued
only to a signed-in resident or by staff at the counter, stored once as a PDF with a verification code; the county's
demand statistics count only numbered notices. A numbered notice is an issued PDF: signed with the community's key
(PAdES) like a certificate, checked on the verification page like one, and never stored unsigned."""

import hashlib
import io

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import load_cert_from_pemder
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from catalog.models import NonIssuableItem
from certificates import pades, services
from certificates.demo import TINY_PDF
from certificates.models import RefusalNotice, SigningKey
from certificates.pades import SignatureStatus
from certificates.selectors import refusal_counts
from certificates.workflow import WorkflowError

X = "610113001001"


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


def n05():
    return NonIssuableItem.objects.get(code="N05")


def test_anyone_prints_the_unnumbered_guide_which_is_neither_stored_nor_counted(personas, client):
    page = client.get(reverse("requests:refusal_guide", args=[X, "N05"])).content.decode()
    assert "不予出具证明办理指引" in page and "不编号" in page and n05().alternative_department in page
    assert "第1号" not in page
    pdf = client.get(reverse("requests:refusal_guide_pdf", args=[X, "N05"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert not RefusalNotice.objects.exists()


def test_an_anonymous_visitor_cannot_take_a_numbered_notice(personas, client):
    url = reverse("requests:refusal_notice_create", args=[X, "N05"])
    offer = client.get(url).content.decode()
    assert "打印办理指引（不编号）" in offer and "登录后开具编号告知单" in offer
    assert client.post(url, {"requesting_body": "某公司"}).status_code == 403
    with pytest.raises(WorkflowError):
        services.refusal_notice_create(community=personas.community_x, item=n05(), actor=None)
    assert not RefusalNotice.objects.exists()


def test_a_resident_takes_a_numbered_notice_stored_once_with_a_code(personas, login):
    client = login(personas.resident_a)
    response = client.post(reverse("requests:refusal_notice_create", args=[X, "N05"]), {"requesting_body": "某公司"})
    notice = RefusalNotice.objects.get()
    assert response["Location"] == reverse("requests:refusal_notice", args=[notice.token])
    assert (notice.resident, notice.issued_by, notice.number) == (personas.resident_a, None, 1)
    stored = notice.pdf.open("rb").read()
    assert hashlib.sha256(stored).hexdigest() == notice.sha256 and notice.code
    assert client.get(reverse("requests:refusal_notice_pdf", args=[notice.token])).content == stored
    verified = login(None).get(reverse("verify", args=[notice.code])).content.decode()
    assert "不予出具证明告知单" in verified and f"〔{notice.year}〕第1号" in verified


def test_staff_issue_a_numbered_notice_at_the_counter(personas, login):
    client = login(personas.staff_x)
    page = client.get(reverse("requests:refusal_notice_create", args=[X, "N05"])).content.decode()
    assert "窗口出具" in page
    client.post(reverse("requests:refusal_notice_create", args=[X, "N05"]), {"requesting_body": "某银行"})
    notice = RefusalNotice.objects.get()
    assert (notice.issued_by, notice.resident) == (personas.staff_x, None)


def test_the_county_counts_only_numbered_notices(personas):
    services.refusal_notice_create(community=personas.community_x, item=n05(), actor=personas.resident_a)
    services.refusal_notice_create(community=personas.community_x, item=n05(), actor=personas.staff_x)
    # an anonymous notice from before the rule: kept (permanent), not counted as demand
    RefusalNotice.objects.create(community=personas.community_x, item=n05(), year=timezone.localdate().year, number=99)
    counts = refusal_counts(Q(community__code__startswith="610113"), timezone.localdate().year)
    assert counts["total"] == 2


# --- the numbered notice is an issued PDF: signed with the community's key (PAdES), like a certificate ------------


def notice_of(personas, actor=None) -> RefusalNotice:
    return services.refusal_notice_create(
        community=personas.community_x, item=n05(), actor=actor or personas.resident_a, requesting_body="某公司"
    )


def test_the_stored_notice_is_signed_and_validates_with_pyhanko(personas):
    notice = notice_of(personas)
    data = notice.pdf.open("rb").read()
    assert hashlib.sha256(data).hexdigest() == notice.sha256  # the stored hash is the signed file's
    (signature,) = PdfFileReader(io.BytesIO(data)).embedded_signatures
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(pades.ca_paths()[1]))], allow_fetching=False)
    status = validate_pdf_signature(signature, context)
    assert status.intact and status.valid and status.trusted
    assert "育才路社区居民委员会" in signature.signer_cert.subject.human_friendly
    key = SigningKey.objects.get(community=personas.community_x)  # the same key certificates are signed with
    assert format(signature.signer_cert.serial_number, "x") == key.serial
    assert pades.examine(data) == SignatureStatus.SIGNED_UNCHANGED


def test_the_verification_page_checks_an_uploaded_notice(personas, client):
    notice = notice_of(personas)
    data = notice.pdf.open("rb").read()
    url = reverse("verify", args=[notice.code])

    def check(content: bytes) -> str:
        return client.post(url, {"pdf": SimpleUploadedFile("n.pdf", content, "application/pdf")}).content.decode()

    assert "核对文件是否被改动" in client.get(url).content.decode()
    page = check(data)
    assert "不予出具证明告知单" in page and "一致：该文件与出具时的文件完全相同" in page and "电子签名有效" in page
    changed = bytearray(data)
    changed[len(changed) // 2] ^= 1  # one byte
    page = check(bytes(changed))
    assert "不一致" in page and "签名后被改动" in page and "电子签名有效" not in page
    assert "没有本平台的电子签名" in check(TINY_PDF)


def test_with_the_key_revoked_no_notice_is_stored_the_guide_is_offered_and_the_county_alerted(personas, login):
    personas.county_officer.email = "county@example.cn"
    personas.county_officer.save()
    notice_of(personas)  # the community's first key
    key = SigningKey.objects.get(community=personas.community_x)
    pades.signing_key_revoke(key=key, actor=personas.county_officer, category="key_compromise", reason="电脑被盗")
    client = login(personas.resident_a)
    url = reverse("requests:refusal_notice_create", args=[X, "N05"])
    response = client.post(url, {"requesting_body": "某某银行股份有限公司"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "无法为编号的不予出具告知单加盖电子签名" in page and "区县民政部门已收到通知" in page
    assert reverse("requests:refusal_guide", args=[X, "N05"]) in page and "打印办理指引（不编号）" in page
    assert 'value="某某银行股份有限公司"' in page  # what the resident typed is kept
    assert RefusalNotice.objects.count() == 1  # nothing stored
    (alert,) = mail.outbox
    assert alert.to == ["county@example.cn"] and "已被区县吊销" in alert.body
    # no number was used up: the next notice, once the county issued a new key, follows the first
    pades.signing_key_issue(community=personas.community_x, actor=personas.county_officer)
    assert notice_of(personas).number == 2


def test_without_a_county_ca_staff_are_told_why_and_nothing_is_stored(personas, login, settings, tmp_path):
    settings.SIGNING_KEY_DIR = tmp_path / "no-ca-here"
    personas.county_officer.email = "county@example.cn"
    personas.county_officer.save()
    client = login(personas.staff_x)
    response = client.post(reverse("requests:refusal_notice_create", args=[X, "N05"]), {"requesting_body": "某银行"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "原因：区县尚未配置电子签名证书（CA）" in page and "不编号的办理指引" in page
    assert reverse("requests:refusal_guide", args=[X, "N05"]) in page and 'value="某银行"' in page
    assert not RefusalNotice.objects.exists() and not SigningKey.objects.exists()
    (alert,) = mail.outbox
    assert alert.to == ["county@example.cn"]
    with pytest.raises(services.RefusalNoticeUnsignable):
        notice_of(personas)


def test_a_file_too_large_is_refused_in_words_that_fit_a_notice(personas, client, settings):
    from certificates.views import verify

    notice = notice_of(personas)
    big = b"%PDF-1.7\n" + b"0" * (verify.MAX_UPLOAD + 1)
    page = client.post(
        reverse("verify", args=[notice.code]), {"pdf": SimpleUploadedFile("n.pdf", big, "application/pdf")}
    ).content.decode()
    assert "文件超过 5MB，不可能是本平台出具的文件。" in page


# --- the county's alert when a community cannot sign: in Chinese, once an hour per community and reason ---------


@pytest.fixture
def no_ca(personas, settings, tmp_path):
    settings.SIGNING_KEY_DIR = tmp_path / "no-ca-here"
    personas.county_officer.email = "county@example.cn"
    personas.county_officer.save()


def test_the_county_is_alerted_in_chinese_whatever_language_the_resident_reads(personas, no_ca):
    from django.utils import translation

    with translation.override("en"), pytest.raises(services.RefusalNoticeUnsignable) as refused:
        notice_of(personas)
    assert refused.value.message.startswith("This community cannot")  # the resident reads English
    (alert,) = mail.outbox
    assert alert.subject == "社区证明无法加盖电子签名：育才路社区居民委员会"
    assert alert.body == "区县尚未配置电子签名证书（CA），证明无法加盖电子签名，暂不能出具。已通知区县民政部门。"


def test_the_county_is_alerted_once_an_hour_per_community_and_reason(personas, no_ca):
    for _attempt in range(3):
        with pytest.raises(services.RefusalNoticeUnsignable):
            notice_of(personas)
    assert len(mail.outbox) == 1
    with pytest.raises(pades.SigningUnavailable):
        pades.signer_or_alert(personas.village)  # another community of the county: its own alert
    assert len(mail.outbox) == 2
    cache.clear()  # the hour has passed
    with pytest.raises(services.RefusalNoticeUnsignable):
        notice_of(personas)
    assert len(mail.outbox) == 3


def test_with_the_cache_unreachable_every_alert_is_sent(personas, no_ca, settings):
    settings.CACHES = {  # nothing listens on port 9: portal.cache answers add() with False, get() with a miss
        "default": {
            "BACKEND": "portal.cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    for _attempt in range(2):
        with pytest.raises(services.RefusalNoticeUnsignable):
            notice_of(personas)
    assert len(mail.outbox) == 2


def test_a_notice_stored_before_signing_began_is_recognised_as_ours_without_a_signature(personas, client):
    """A notice stored unsigned (before PAdES): the file matches, and the page says so plainly instead of "一致" and
    then "没有本平台的电子签名"; a foreign unsigned file for the same code still gets both warnings."""
    from django.core.files.base import ContentFile

    from certificates.documents import new_verification_code

    notice_of(personas)  # the county CA exists, as it does once signing began
    code = new_verification_code()
    old = RefusalNotice.objects.create(
        community=personas.community_x,
        item=n05(),
        year=timezone.localdate().year,
        number=99,
        resident=personas.resident_a,
        code=code,
        pdf=ContentFile(TINY_PDF, name=f"{code}.pdf"),
        sha256=hashlib.sha256(TINY_PDF).hexdigest(),
    )
    url = reverse("verify", args=[old.code])

    def check(content: bytes) -> str:
        return client.post(url, {"pdf": SimpleUploadedFile("n.pdf", content, "application/pdf")}).content.decode()

    page = check(TINY_PDF)
    assert "该文件就是本平台出具的告知单" in page and "开始加盖电子签名之前出具的告知单没有电子签名" in page
    assert "没有本平台的电子签名" not in page and "不一致" not in page
    other = check(TINY_PDF.replace(b"595 842", b"612 792"))  # another unsigned file: not ours, not the same
    assert "不一致" in other and "没有本平台的电子签名" in other and "就是本平台出具的" not in other
