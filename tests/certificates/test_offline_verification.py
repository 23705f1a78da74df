"""Offline verification (issue 10): the QR code carries a compact Ed25519-signed payload (code, number, masked name,
community code, issue date, validity) that round-trips, refuses a forgery, and is checked without the database by
the payload page and `manage.py verify_qr`; the public key is published at a well-known URL."""

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from certificates import workflow
from certificates.models import IssuedCertificate
from certificates.offline import check_payload, make_payload
from portal import keys


def payload(**changes):
    values = {
        "code": "ABCDEFGHJKMNPQRSTUVWXYZ234",
        "number": "雁育证〔2026〕15号",
        "applicant_name": "王小明",
        "community_code": "610113001001",
        "issued_on": dt.date(2026, 11, 30),
        "valid_until": dt.date(2027, 2, 28),
        **changes,
    }
    return make_payload(**values)


def test_the_payload_round_trips_and_is_compact():
    text = payload()
    check = check_payload(text)
    assert check.ok and check.fields.number == "雁育证〔2026〕15号" and check.fields.masked_name == "王**"
    assert check.fields.valid_until == dt.date(2027, 2, 28) and check.fields.community_code == "610113001001"
    assert len(text) < 300


def test_a_forged_payload_is_refused():
    prefix, message, signature = payload().split(".")
    forged_message = keys.b64(keys.unb64(message).replace(b"2027", b"2029"))
    check = check_payload(f"{prefix}.{forged_message}.{signature}")
    assert not check.ok and check.problem == "signature" and check.fields.valid_until.year == 2029
    assert check_payload("PC1.garbage").problem == "format"
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    other = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert not check_payload(payload(), public_key=other).ok  # signed by us, not by that key


def test_the_key_file_is_outside_the_repository_and_private(settings):
    path = keys.qr_key_path()
    keys.qr_signer()
    assert path.exists() and path.stat().st_mode & 0o077 == 0
    assert Path(settings.BASE_DIR) not in path.parents


@pytest.fixture
def certificate(personas, signed_request, seal) -> IssuedCertificate:
    request = workflow.issue(request_id=signed_request.pk, actor=personas.keeper, seal_id=seal.pk)
    return IssuedCertificate.objects.get(entry__request=request)


def test_the_qr_code_of_an_issued_certificate_holds_its_signed_payload(personas, signed_request, seal, monkeypatch):
    import segno

    encoded = []
    real_make = segno.make
    monkeypatch.setattr(segno, "make", lambda content, **kw: encoded.append(content) or real_make(content, **kw))
    request = workflow.issue(request_id=signed_request.pk, actor=personas.keeper, seal_id=seal.pk)
    certificate = IssuedCertificate.objects.get(entry__request=request)
    (url,) = encoded
    assert url.startswith("http") and f"/verify/{certificate.code}/?p=PC1." in url
    check = check_payload(url)
    assert check.ok and check.fields.code == certificate.code
    assert (
        check.fields.number == certificate.entry.display_number and check.fields.valid_until == certificate.valid_until
    )


def test_the_issued_certificate_carries_a_valid_payload_for_its_own_record(client, certificate):
    entry = certificate.entry
    text = payload(
        code=certificate.code,
        number=entry.display_number,
        applicant_name=entry.applicant_name,
        issued_on=certificate.issued_at.date(),
        valid_until=certificate.valid_until,
    )
    page = client.get(reverse("verify", args=[certificate.code]), {"p": text}).content.decode()
    assert "二维码签名有效，与本证明记录一致" in page
    other = client.get(reverse("verify", args=[certificate.code]), {"p": payload()}).content.decode()
    assert "二维码可能被替换" in other
    assert certificate.verifications.filter(channel="payload").count() == 2


def test_the_payload_page_checks_without_the_database(client, db):
    text = payload()
    with CaptureQueriesContext(connection) as queries:
        check = check_payload(f"https://portal.example/verify/X/?p={text}")
    assert check.ok and not queries.captured_queries  # the check itself: signature and key only
    page = client.get(reverse("verify_payload"), {"p": f"https://portal.example/verify/X/?p={text}"})
    assert "签名有效" in page.content.decode() and "王**" in page.content.decode()
    assert "本平台没有该证明的记录，本次核验没有记录" in page.content.decode()  # no such certificate here
    forged = text[:-3] + ("AAA" if not text.endswith("AAA") else "BBB")
    assert "签名无效" in client.get(reverse("verify_payload"), {"p": forged}).content.decode()


def certificate_payload(certificate: IssuedCertificate) -> str:
    entry = certificate.entry
    return payload(
        code=certificate.code,
        number=entry.display_number,
        applicant_name=entry.applicant_name,
        issued_on=certificate.issued_at.date(),
        valid_until=certificate.valid_until,
    )


def test_an_offline_check_on_the_payload_page_is_recorded_for_the_holder(client, personas, certificate):
    """Issue 10: the check of a QR payload is recorded with the channel 'QR payload' where a database is reachable,
    and the resident sees it on her request page; a forged payload is recorded nowhere."""
    text = certificate_payload(certificate)
    page = client.get(reverse("verify_payload"), {"p": text}).content.decode()
    assert "本次核验已记入该证明的核验记录" in page
    assert "没有网络的离线核验工具无法记录" in page  # the page is honest about a verifier without network
    forged = text[:-3] + ("AAA" if not text.endswith("AAA") else "BBB")
    client.get(reverse("verify_payload"), {"p": forged})
    (record,) = certificate.verifications.all()
    assert record.channel == "payload" and record.client.endswith(".*")
    client.force_login(personas.resident_a)
    mine = client.get(reverse("requests:detail", args=[certificate.entry.request_id])).content.decode()
    assert "二维码签名数据" in mine


def test_verify_qr_records_where_the_database_is_reachable(certificate):
    out = StringIO()
    call_command("verify_qr", certificate_payload(certificate), stdout=out)
    assert "recorded in the certificate's verification log" in out.getvalue()
    (record,) = certificate.verifications.all()
    assert record.channel == "payload" and "verify_qr" in record.client
    call_command("verify_qr", certificate_payload(certificate), "--no-record", stdout=StringIO())
    assert certificate.verifications.count() == 1


def test_verify_qr_command(db):
    out = StringIO()
    call_command("verify_qr", payload(), stdout=out)
    assert "VALID signature" in out.getvalue() and "610113001001" in out.getvalue()
    public = keys.b64(keys.qr_signer().public_key_bytes())
    # "=" form: a base64url key may begin with "-", which argparse would take for an option
    call_command("verify_qr", payload(), f"--public-key={public}", stdout=StringIO())
    with pytest.raises(CommandError, match="INVALID"):
        call_command("verify_qr", payload()[:-4] + "AAAA", stdout=StringIO())


def test_the_public_key_is_published(client, db):
    data = client.get(reverse("qr_public_key")).json()
    raw = keys.unb64(data["public_key_base64url"])
    assert data["algorithm"] == "Ed25519" and data["fingerprint"] == keys.fingerprint(raw)
    assert check_payload(payload(), public_key=raw).ok
