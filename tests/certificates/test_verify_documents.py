"""manage.py verify_documents: every stored document matches the SHA-256 recorded when it was stored."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from certificates import workflow
from certificates.models import IssuedCertificate


@pytest.fixture
def issued(personas, signed_request, seal) -> IssuedCertificate:
    workflow.issue(request_id=signed_request.pk, actor=personas.keeper, seal_id=seal.pk)
    return IssuedCertificate.objects.get(entry__request=signed_request)


def run() -> str:
    out = StringIO()
    call_command("verify_documents", stdout=out, stderr=out)
    return out.getvalue()


def test_intact_documents_pass_with_a_count(issued):
    # The certificate and the application's uploaded materials.
    assert "全部与存储时的校验值一致" in run()
    assert f"已核对 {1 + issued.entry.request.attachments.count()} 个文件" in run()


def test_a_changed_certificate_fails_naming_it(issued):
    path = Path(issued.pdf.path)
    path.write_bytes(path.read_bytes() + b"\n%tampered")
    with pytest.raises(CommandError, match="1 个有问题"):
        run()


def test_a_missing_certificate_fails_naming_it(issued, capsys):
    Path(issued.pdf.path).unlink()
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_documents", stdout=StringIO(), stderr=err)
    assert issued.entry.display_number in err.getvalue() and "不存在" in err.getvalue()


def test_a_signed_refusal_notice_is_checked_against_its_signed_hash(personas):
    from catalog.models import NonIssuableItem
    from certificates import services

    notice = services.refusal_notice_create(
        community=personas.community_x, item=NonIssuableItem.objects.get(code="N05"), actor=personas.resident_a
    )
    assert "已核对 1 个文件，全部与存储时的校验值一致" in run()  # the stored hash is the signed file's
    path = Path(notice.pdf.path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))
    err = StringIO()
    with pytest.raises(CommandError, match="1 个有问题"):
        call_command("verify_documents", stdout=StringIO(), stderr=err)
    assert "告知单" in err.getvalue()
