"""The county manages the communities' signing keys (issue 10): it issues and revokes them in the portal, with a
reason, recorded; the county CA publishes a revocation list that pyHanko's validator consumes; a signature made
with a revoked key after its revocation is not valid, one the register shows was made before stays valid; and a
certificate never leaves unsigned: without a usable key the keeper is refused and the county alerted."""

import io

import pytest
from cryptography import x509
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import load_cert_from_pemder
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from certificates import pades, workflow
from certificates.demo import TINY_PDF
from certificates.models import IssuedCertificate, PermanentRecordError, SigningKey, SigningKeyRevocation, Status
from certificates.pades import SignatureStatus
from tests.factories import make_request

URL = "desk:signing_keys"
COUNTY = "610113000000"


@pytest.fixture
def fresh_ca(settings, tmp_path):
    settings.SIGNING_KEY_DIR = tmp_path / "keys"
    call_command("make_county_ca", stdout=io.StringIO())
    return pades.ca_paths()[1]


def issue(personas, request, seal) -> IssuedCertificate:
    workflow.issue(request_id=request.pk, actor=personas.keeper, seal_id=seal.pk)
    return IssuedCertificate.objects.get(entry__request=request)


def another_signed_request(personas, item):
    request = make_request(
        community=personas.community_x,
        item=item,
        applicant=personas.resident_b,
        status="awaiting_signature",
        verified_by=personas.staff_x,
        field_values={"relative_name": "王五", "relation": "母子", "notary_office": "西安市某公证处"},
    )
    return workflow.sign(request_id=request.pk, actor=personas.director)


def test_the_signature_is_pades_baseline(fresh_ca, personas, signed_request, seal):
    """SubFilter ETSI.CAdES.detached, signed attributes content-type, message-digest and signing-certificate-v2,
    no signing-time attribute (PAdES B-B); pyHanko validates it."""
    data = issue(personas, signed_request, seal).read_pdf()
    (signature,) = PdfFileReader(io.BytesIO(data)).embedded_signatures
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    attributes = {a["type"].native for a in signature.signer_info["signed_attrs"]}
    assert attributes == {"content_type", "message_digest", "signing_certificate_v2"}
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(fresh_ca))], allow_fetching=False)
    status = validate_pdf_signature(signature, context)
    assert status.intact and status.valid and status.trusted
    signer = pades.signer_for(personas.community_x)  # loaded once and reused: every later signature is sound too
    for reason in ("第二份", "第三份"):
        (again,) = PdfFileReader(io.BytesIO(signer.sign_pdf(TINY_PDF, reason=reason))).embedded_signatures
        status = validate_pdf_signature(again, context)
        assert status.intact and status.valid and status.trusted


def test_a_community_gets_its_first_key_at_its_first_issuance_recorded(fresh_ca, personas, signed_request, seal):
    certificate = issue(personas, signed_request, seal)
    (key,) = SigningKey.objects.filter(community=personas.community_x)
    assert key.created_by is None  # issued without a person, visible to the county
    (signature,) = PdfFileReader(io.BytesIO(certificate.read_pdf())).embedded_signatures
    assert format(signature.signer_cert.serial_number, "x") == key.serial
    key_file, cert_file = pades.key_paths(personas.community_x.code, key.serial)
    assert key_file.stat().st_mode & 0o077 == 0 and key_file.parent.stat().st_mode & 0o077 == 0
    assert b"PRIVATE KEY" not in repr(SigningKey.objects.values().get(pk=key.pk)).encode()


def test_without_a_county_ca_the_keeper_is_refused_and_the_county_alerted(
    settings, tmp_path, client, personas, signed_request, seal
):
    settings.SIGNING_KEY_DIR = tmp_path / "no-ca-here"
    personas.county_officer.email = "county@example.cn"
    personas.county_officer.save()
    client.force_login(personas.keeper)
    posted = {"seal": seal.pk, "revision": signed_request.revision}
    response = client.post(reverse("issuance:issue", args=[signed_request.pk]), posted, follow=True)
    assert "区县尚未配置电子签名证书（CA）" in response.content.decode()
    signed_request.refresh_from_db()
    assert signed_request.status == Status.SIGNED and not IssuedCertificate.objects.exists()
    (alert,) = mail.outbox
    assert alert.to == ["county@example.cn"] and "育才路社区居民委员会" in alert.subject


def test_the_county_officer_issues_and_revokes_a_key_in_the_portal(client, personas):
    client.force_login(personas.county_officer)
    client.post(reverse(URL, args=[COUNTY]), {"action": "issue", "community": personas.community_x.code})
    key = SigningKey.objects.get(community=personas.community_x)
    assert key.created_by == personas.county_officer
    page = client.post(
        reverse(URL, args=[COUNTY]),
        {"action": "revoke", "key": key.pk, "category": "key_compromise", "reason": ""},
    )
    assert "这个字段是必填项" in page.content.decode() or "必填" in page.content.decode()  # what was typed is kept
    assert not SigningKeyRevocation.objects.exists()
    client.post(
        reverse(URL, args=[COUNTY]),
        {"action": "revoke", "key": key.pk, "category": "key_compromise", "reason": "保管电脑被盗"},
    )
    revocation = SigningKeyRevocation.objects.get(key=key)
    assert revocation.revoked_by == personas.county_officer and revocation.reason == "保管电脑被盗"
    page = client.get(reverse(URL, args=[COUNTY])).content.decode()
    assert "已吊销" in page and "保管电脑被盗" in page and "目前不能出具证明" in page


def test_only_the_county_officer_of_the_community_issues_or_revokes(client, personas):
    key = pades.signing_key_issue(community=personas.community_x, actor=personas.county_officer)
    for outsider in (personas.other_county_officer, personas.director, personas.provincial_officer):
        with pytest.raises(pades.KeyRefused):
            pades.signing_key_revoke(key=key, actor=outsider, category="key_compromise", reason="试图吊销")
        with pytest.raises(pades.KeyRefused):
            pades.signing_key_issue(community=personas.community_x, actor=outsider)
    with pytest.raises(pades.KeyRefused, match="请写明吊销理由"):
        pades.signing_key_revoke(key=key, actor=personas.county_officer, category="key_compromise", reason=" ")
    client.force_login(personas.provincial_officer)  # reads from above, may not act
    assert client.get(reverse(URL, args=[COUNTY])).status_code == 200
    posted = {"action": "issue", "community": personas.community_x.code}
    assert client.post(reverse(URL, args=[COUNTY]), posted).status_code == 403
    client.force_login(personas.other_county_officer)
    assert client.get(reverse(URL, args=[COUNTY])).status_code == 404


def test_keys_and_revocations_are_permanent(personas):
    key = pades.signing_key_issue(community=personas.community_x, actor=personas.county_officer)
    revocation = pades.signing_key_revoke(
        key=key, actor=personas.county_officer, category="superseded", reason="换新密钥"
    )
    for record in (key, revocation):
        with pytest.raises(PermanentRecordError):
            record.save()
        with pytest.raises(PermanentRecordError):
            record.delete()
    with pytest.raises(pades.KeyRefused, match="已经吊销"):
        pades.signing_key_revoke(key=key, actor=personas.county_officer, category="superseded", reason="再次")


def test_the_crl_is_published_and_lists_the_revoked_key(client, personas):
    key = pades.signing_key_issue(community=personas.community_x, actor=personas.county_officer)
    pades.signing_key_revoke(key=key, actor=personas.county_officer, category="key_compromise", reason="泄露")
    response = client.get(reverse("county_ca_crl"))
    assert response["Content-Type"] == "application/pkix-crl"
    crl = x509.load_der_x509_crl(response.content)
    ca = x509.load_pem_x509_certificate(client.get(reverse("county_ca_certificate")).content)
    assert crl.is_signature_valid(ca.public_key())
    revoked = crl.get_revoked_certificate_by_serial_number(int(key.serial, 16))
    assert revoked is not None and revoked.extensions.get_extension_for_class(x509.CRLReason).value.reason.name == (
        "key_compromise"
    )
    cert = x509.load_pem_x509_certificate(pades.key_paths(personas.community_x.code, key.serial)[1].read_bytes())
    (point,) = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert point.full_name[0].value.endswith("/verify/ca.crl")  # every key names where its CRL is


def test_revocation_before_and_after_signing(client, personas, item, signed_request, seal):
    """Signed before the revocation (the register says so): still valid. Signed with the key after it was revoked
    (a stolen key signing a file the register never issued): not valid. pyHanko reads the published CRL."""
    before = issue(personas, signed_request, seal)
    key = SigningKey.objects.get(community=personas.community_x)
    signer = pades.signer_for(personas.community_x)
    pades.signing_key_revoke(key=key, actor=personas.county_officer, category="key_compromise", reason="被盗")
    forged = signer.sign_pdf(TINY_PDF, reason="被盗后签的文件")

    # pyHanko's validator, fed the CRL from its URL, calls the key revoked
    crl = client.get(reverse("county_ca_crl")).content
    (signature,) = PdfFileReader(io.BytesIO(forged)).embedded_signatures
    context = ValidationContext(
        trust_roots=[load_cert_from_pemder(str(pades.ca_paths()[1]))], crls=[crl], allow_fetching=False
    )
    assert validate_pdf_signature(signature, context).revoked

    assert pades.examine(before.read_pdf(), registered_at=before.issued_at) == SignatureStatus.SIGNED_UNCHANGED
    assert pades.examine(forged) == SignatureStatus.KEY_REVOKED
    assert pades.examine(before.read_pdf()) == SignatureStatus.KEY_REVOKED  # without the register's time: judged now

    url = reverse("verify", args=[before.code])
    page = client.post(url, {"pdf": SimpleUploadedFile("c.pdf", before.read_pdf(), "application/pdf")})
    assert "电子签名有效" in page.content.decode() and "签名仍然有效" in page.content.decode()
    page = client.post(url, {"pdf": SimpleUploadedFile("f.pdf", forged, "application/pdf")})
    assert "电子签名无效" in page.content.decode() and "密钥泄露或疑似泄露" in page.content.decode()

    # the revoked key is never silently replaced: the keeper waits for the county's new key
    later = another_signed_request(personas, item)
    with pytest.raises(workflow.WorkflowError, match="已被区县吊销"):
        workflow.issue(request_id=later.pk, actor=personas.keeper, seal_id=seal.pk)
    new_key = pades.signing_key_issue(community=personas.community_x, actor=personas.county_officer)
    certificate = issue(personas, later, seal)
    (signature,) = PdfFileReader(io.BytesIO(certificate.read_pdf())).embedded_signatures
    assert format(signature.signer_cert.serial_number, "x") == new_key.serial
    assert pades.examine(certificate.read_pdf()) == SignatureStatus.SIGNED_UNCHANGED
