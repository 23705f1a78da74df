"""PAdES signatures (issue 10): every issued PDF is signed with its community's key from the county CA; the stored
hash is the signed file's; pyHanko's validator accepts it; one changed byte is detected; the verification page tells
signed-and-unchanged, signed-but-changed and not-ours apart."""

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import load_cert_from_pemder
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from certificates import pades, workflow
from certificates.models import IssuedCertificate
from certificates.pades import SignatureStatus


@pytest.fixture
def county_ca(settings, tmp_path):
    settings.SIGNING_KEY_DIR = tmp_path / "keys"
    call_command("make_county_ca", stdout=io.StringIO())
    return pades.ca_paths()[1]


@pytest.fixture
def signed_certificate(county_ca, personas, signed_request, seal) -> IssuedCertificate:
    request = workflow.issue(request_id=signed_request.pk, actor=personas.keeper, seal_id=seal.pk)
    return IssuedCertificate.objects.get(entry__request=request)


def test_the_issued_pdf_is_signed_and_validates_with_pyhanko(county_ca, signed_certificate):
    data = signed_certificate.read_pdf()
    assert hashlib.sha256(data).hexdigest() == signed_certificate.sha256  # the stored hash is the signed file's
    (signature,) = PdfFileReader(io.BytesIO(data)).embedded_signatures
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(county_ca))], allow_fetching=False)
    status = validate_pdf_signature(signature, context)
    assert status.intact and status.valid and status.trusted
    assert "育才路社区居民委员会" in signature.signer_cert.subject.human_friendly
    key_file = pades.ca_paths()[0]
    assert key_file.stat().st_mode & 0o077 == 0  # readable only by the portal's user


def test_one_changed_byte_is_detected(signed_certificate):
    data = signed_certificate.read_pdf()
    assert pades.examine(data) == SignatureStatus.SIGNED_UNCHANGED
    changed = bytearray(data)
    changed[len(changed) // 3] ^= 1
    assert pades.examine(bytes(changed)) == SignatureStatus.SIGNED_CHANGED
    assert pades.examine(data + b"\n% appended after signing\n") == SignatureStatus.SIGNED_CHANGED


def test_a_signature_from_another_ca_is_not_ours(signed_certificate, settings, tmp_path):
    data = signed_certificate.read_pdf()
    settings.SIGNING_KEY_DIR = tmp_path / "another-county"
    call_command("make_county_ca", stdout=io.StringIO())
    assert pades.examine(data) == SignatureStatus.NOT_OURS


def test_the_verification_page_tells_the_three_cases_apart(client, signed_certificate):
    url = reverse("verify", args=[signed_certificate.code])
    data = signed_certificate.read_pdf()

    def check(content: bytes) -> str:
        return client.post(url, {"pdf": SimpleUploadedFile("c.pdf", content, "application/pdf")}).content.decode()

    assert "电子签名有效" in check(data)
    changed = bytearray(data)
    changed[len(changed) // 2] ^= 1
    assert "签名后被改动" in check(bytes(changed))
    from certificates.demo import TINY_PDF

    assert "没有本平台的电子签名" in check(TINY_PDF)
