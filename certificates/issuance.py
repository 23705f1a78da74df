"""Issuing a signed certificate: apply the seal (a ledger row), render the PDF once, store it with its hash.

Called from workflow.issue inside the transition's transaction, so a refused seal, a missing font character or
a failed render leaves no seal row, no file record and the request still signed.
Also: verification status for the public page, and revocation by the director.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from enum import StrEnum

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from certificates import freeze
from certificates.documents import build_document, new_verification_code
from certificates.fonts import missing_characters
from certificates.models import (
    CertificateReprint,
    CertificateRequest,
    CertificateRevocation,
    IssuedCertificate,
)
from portal.models import User
from portal.pdf import render_pdf
from seals.impressions import impression_data_url
from seals.models import DocumentKind, Seal
from seals.services import SealRuleError, seal_apply, separation_problem


class IssuanceRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def issue_certificate(request: CertificateRequest, *, keeper: User, seal: Seal) -> IssuedCertificate:
    entry = request.register_entry
    if seal.community_id != request.community_id:
        raise IssuanceRefused(_("只能使用本社区登记的印章。"))
    try:
        text = freeze.entry_text(entry)  # the text as signed: never rendered again from the item's current version
    except LookupError:
        raise IssuanceRefused(
            _("找不到该登记签字时的证明事项版本，无法按签字内容出具。请社区主任作废该登记后重新办理。")
        ) from None
    # The chokepoint: whatever path wrote the text, nothing carrying liability is sealed (陕西通知 二(一)).
    problem = freeze.liability_problem(text)
    if problem:
        raise IssuanceRefused(problem + _("已停止出具，请社区主任作废该登记。"))
    now = timezone.now()
    code = new_verification_code()
    # A seal without an uploaded impression prints the drawn specimen: such a document is never a real one.
    demo = settings.DEMO_MODE or seal.is_specimen or not seal.impression
    # The certificate is an official document in Chinese, whatever language the keeper's screen is in.
    with translation.override(settings.LANGUAGE_CODE):
        document, valid_until = build_document(
            text=text,
            community=request.community,
            number=entry.display_number,
            seal_image=impression_data_url(seal),
            code=code,
            issued_on=timezone.localdate(now),
            demo=demo,
        )
        html = document.render_html()
    missing = missing_characters(document.printed_text())
    if missing:
        raise IssuanceRefused(
            _(
                "证明内容中的字符“%(chars)s”超出证明字体的字库，无法正确打印，已停止出具。请核对姓名等内容，或联系区县民政部门处理生僻字。"
            )
            % {"chars": "、".join(missing)}
        )
    # The seal rules are checked before the render (no work for a refused use) and again under the seal's row lock.
    problem = separation_problem(seal=seal, applied_by=keeper, approved_by=request.signed_by)
    if problem:
        raise IssuanceRefused(problem)
    # Rendered before the seal's row is locked: the lock is held until commit, and certificates of one community
    # (one seal) would otherwise be rendered one at a time however many workers there are.
    pdf = render_pdf(html)
    try:
        seal_use = seal_apply(
            seal=seal,
            applied_by=keeper,
            approved_by=request.signed_by,
            document_kind=DocumentKind.CERTIFICATE,
            document_title=f"{entry.display_number} {text.title}",
            register_entry=entry,
        )
    except SealRuleError as error:
        raise IssuanceRefused(error.messages[0]) from None
    return IssuedCertificate.objects.create(
        entry=entry,
        code=code,
        pdf=ContentFile(pdf, name=f"{code}.pdf"),
        sha256=hashlib.sha256(pdf).hexdigest(),
        size=len(pdf),
        issued_at=now,
        issued_by=keeper,
        valid_until=valid_until,
        seal_use=seal_use,
        demo=demo,
    )


class Validity(StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    EXPIRED = "expired"


def validity_of(certificate: IssuedCertificate, today: dt.date | None = None) -> Validity:
    today = today or timezone.localdate()
    if hasattr(certificate, "revocation"):
        return Validity.REVOKED
    if certificate.valid_until and certificate.valid_until < today:
        return Validity.EXPIRED
    return Validity.VALID


def certificate_revoke(*, certificate: IssuedCertificate, actor: User, reason: str) -> CertificateRevocation:
    """The director withdraws an issued certificate: the workflow's "revoke" transition (the request reads 已撤销),
    the register entry keeps its number, verification shows it."""
    from certificates import workflow  # the workflow imports this module

    try:
        workflow.revoke(request_id=certificate.entry.request_id, actor=actor, reason=reason)
    except workflow.WorkflowError as error:
        raise IssuanceRefused(error.message) from None
    return CertificateRevocation.objects.get(certificate=certificate)


def log_reprint(*, certificate: IssuedCertificate, actor: User) -> CertificateReprint:
    return CertificateReprint.objects.create(certificate=certificate, by=actor)
