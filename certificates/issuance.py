"""Issuing a signed certificate: apply the seal (a ledger row), render the PDF once, sign it (PAdES, the community's
key), store it with its hash. No signing key, no certificate: the keeper is told why and the county alerted.

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
from django.db import transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from certificates import freeze, pades
from certificates.documents import build_document, new_verification_code
from certificates.fonts import missing_characters
from certificates.models import (
    CertificateReceipt,
    CertificateReprint,
    CertificateRequest,
    CertificateRevocation,
    DownloadKind,
    IssuedCertificate,
    RevocationCategory,
)
from certificates.permissions import works_in
from portal.models import User
from portal.pdf import render_pdf
from portal.terms import in_words_of
from seals.impressions import impression_data_url
from seals.models import DocumentKind, Seal
from seals.services import SealRuleError, seal_apply, separation_problem


class IssuanceRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


MAX_PAPER_COPIES = 10


def paper_problem(*, paper: bool, copies: int) -> str | None:
    if paper and not 1 <= copies <= MAX_PAPER_COPIES:
        return _("纸质出具的份数应为 1 至 %(max)s 份。") % {"max": MAX_PAPER_COPIES}
    return None


def issue_certificate(
    request: CertificateRequest, *, keeper: User, seal: Seal, paper: bool = False, copies: int = 1
) -> IssuedCertificate:
    """Seal, render once, store. On paper (纸质出具) the certificate says how many copies were made (份数) and a stub
    (存根) for the community's file is rendered in the same pass and stored beside it."""
    entry = request.register_entry
    problem = paper_problem(paper=paper, copies=copies)
    if problem:
        raise IssuanceRefused(problem)
    copies = copies if paper else 1
    if seal.community_id != request.community_id:
        raise IssuanceRefused(in_words_of(request.community, _("只能使用本社区登记的印章。")))
    try:
        text = freeze.entry_text(entry)  # the text as signed: never rendered again from the item's current version
    except LookupError:
        raise IssuanceRefused(
            in_words_of(
                request.community,
                _("找不到该登记签字时的证明事项版本，无法按签字内容出具。请社区主任作废该登记后重新办理。"),
            )
        ) from None
    # The chokepoint: whatever path wrote the text, nothing carrying liability is sealed (陕西通知 二(一)).
    problem = freeze.liability_problem(text)
    if problem:
        raise IssuanceRefused(problem + in_words_of(request.community, _("已停止出具，请社区主任作废该登记。")))
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
            responsible=entry.signer.display_name,
            handler=entry.verifier.display_name,
            copies=copies,
            applicant_name=entry.applicant_name,
        )
        html = document.render_html()
        stub_html = (
            render_to_string(
                "pdf/certificate_stub.html",
                {
                    "doc": document,
                    "entry": entry,
                    "keeper": keeper.display_name,
                    "requesting_body": text.requesting_body,
                    "community": request.community,
                },
            )
            if paper
            else None
        )
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
    # The community's signing key, before any work: a certificate never leaves unsigned (certificates/pades.py).
    try:
        signer = pades.signer_or_alert(request.community)
    except pades.SigningUnavailable as unavailable:
        raise IssuanceRefused(unavailable.message) from None
    # Rendered before the seal's row is locked: the lock is held until commit, and certificates of one community
    # (one seal) would otherwise be rendered one at a time however many workers there are.
    pdf = render_pdf(html)
    # PAdES: signed with the community's key from the county CA before hashing, so the stored hash is the signed
    # file's and the signature covers the document as stored (certificates/pades.py).
    pdf = signer.sign_pdf(pdf, reason=f"{entry.display_number} {text.title}")
    stub = render_pdf(stub_html) if stub_html else b""
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
        paper=paper,
        copies=copies,
        stub_pdf=ContentFile(stub, name=f"{code}-stub.pdf") if stub else "",
        stub_sha256=hashlib.sha256(stub).hexdigest() if stub else "",
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


def certificate_revoke(
    *, certificate: IssuedCertificate, actor: User, reason: str, category: str = RevocationCategory.OTHER
) -> CertificateRevocation:
    """The director withdraws an issued certificate: the workflow's "revoke" transition (the request reads 已撤销),
    the register entry keeps its number; verification shows the date and the reason's category (the written reason
    stays with the community and the applicant)."""
    from certificates import workflow  # the workflow imports this module

    try:
        workflow.revoke(request_id=certificate.entry.request_id, actor=actor, reason=reason, category=category)
    except workflow.WorkflowError as error:
        raise IssuanceRefused(error.message) from None
    return CertificateRevocation.objects.get(certificate=certificate)


@transaction.atomic
def log_download(*, certificate: IssuedCertificate, actor: User) -> CertificateReprint | None:
    """Record a download of the stored certificate: the first one ever (keeper, staff or the holder) hands the
    certificate out and is logged as such; a later download by anyone but the holder is a reprint (补打). The holder
    downloading their own certificate again is not logged. The certificate row is locked so that two simultaneous
    first downloads do not both count as the first."""
    locked = IssuedCertificate.objects.select_for_update().select_related("entry__request").get(pk=certificate.pk)
    if not CertificateReprint.objects.filter(certificate=locked).exists():
        return CertificateReprint.objects.create(certificate=locked, by=actor, kind=DownloadKind.FIRST)
    if locked.entry.request.applicant_id == actor.pk:
        return None
    return CertificateReprint.objects.create(certificate=locked, by=actor, kind=DownloadKind.REPRINT)


@transaction.atomic
def certificate_receipt_record(
    *, certificate: IssuedCertificate, actor: User, taken_by: str, on_behalf: bool, copies: int
) -> CertificateReceipt:
    """The paper certificate was handed over (领取): who took it and how many copies, recorded by community staff."""
    certificate = IssuedCertificate.objects.select_for_update().select_related("entry__request").get(pk=certificate.pk)
    request = certificate.entry.request
    if not works_in(actor, request.community):
        raise IssuanceRefused(in_words_of(request.community, _("只有本社区工作人员可以登记领取。")))
    if not certificate.paper:
        raise IssuanceRefused(_("该证明是网上出具的，申请人自行下载，无需领取登记。"))
    if hasattr(certificate, "revocation"):
        raise IssuanceRefused(_("该证明已经撤销，不能再交给申请人。"))
    taken_by = taken_by.strip()
    if not taken_by:
        raise IssuanceRefused(_("请填写领取人姓名。"))
    taken = certificate.receipts.aggregate(n=Sum("copies"))["n"] or 0
    if not 1 <= copies <= certificate.copies - taken:
        raise IssuanceRefused(
            _("领取份数应为 1 至 %(left)s 份（共出具 %(copies)s 份，已领取 %(taken)s 份）。")
            % {"left": max(certificate.copies - taken, 0), "copies": certificate.copies, "taken": taken}
        )
    return CertificateReceipt.objects.create(
        certificate=certificate, taken_by=taken_by[:50], on_behalf=on_behalf, copies=copies, recorded_by=actor
    )
