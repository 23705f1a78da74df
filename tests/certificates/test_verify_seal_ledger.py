"""`manage.py verify_seal_ledger`: quiet when every certificate has its one seal row, loud when a certificate seal
row has no certificate behind it."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from certificates import workflow
from seals import services
from seals.models import DocumentKind, SealUse


def run() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("verify_seal_ledger", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_an_empty_ledger_is_in_order(db):
    out, _err = run()
    assert "核对无误" in out


def test_issued_certificates_and_other_uses_are_in_order(personas, signed_request, seal):
    workflow.issue(request_id=signed_request.pk, actor=personas.keeper, seal_id=seal.pk)
    use_request = services.use_request_create(
        seal=seal, actor=personas.staff_x, document_title="工作报告", reason="报送街道"
    )
    services.use_request_decide(use_request=use_request, actor=personas.director, approve=True)
    services.use_request_apply(use_request=use_request, actor=personas.keeper)
    out, err = run()
    assert "核对无误" in out and err == ""


def test_a_certificate_seal_row_without_a_certificate_is_reported(personas, signed_request, seal):
    entry = signed_request.register_entry
    # bulk_create skips the services (and the model's save), as a faulty import or a manual fix would.
    SealUse.objects.bulk_create(
        [
            SealUse(
                seal=seal,
                document_kind=DocumentKind.CERTIFICATE,
                document_title=f"{entry.display_number} 亲属关系证明",
                register_entry=entry,
                approved_by=personas.director,
                applied_by=personas.keeper,
            )
        ]
    )
    with pytest.raises(CommandError, match="1 处问题"):
        run()
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_seal_ledger", stdout=StringIO(), stderr=err)
    message = err.getvalue()
    assert "育才路社区居民委员会" in message and entry.display_number in message and "没有对应的已出具证明" in message


def test_a_seal_row_for_a_request_that_is_not_signed_is_reported(personas, signed_request, seal):
    entry = signed_request.register_entry
    type(signed_request).objects.filter(pk=signed_request.pk).update(status="rejected")
    SealUse.objects.bulk_create(
        [
            SealUse(
                seal=seal,
                document_kind=DocumentKind.CERTIFICATE,
                document_title="错误的登记",
                register_entry=entry,
                approved_by=personas.director,
                applied_by=personas.keeper,
            )
        ]
    )
    err = StringIO()
    with pytest.raises(CommandError, match="2 处问题"):
        call_command("verify_seal_ledger", stdout=StringIO(), stderr=err)
    assert "不予出具" in err.getvalue()
