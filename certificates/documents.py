"""The certificate document: everything the PDF template needs, prepared from the text fixed at signing.

The view-model keeps the template free of logic and makes the font check possible before rendering: every
character that will be printed is in `printed_text()`. The previews (the director's before signing, the keeper's
before sealing) are the same object with `preview` set, rendered with the same markup (pdf/_certificate_text.html).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.rules import chinese_date as rules_chinese_date
from certificates.freeze import CertificateText
from certificates.offline import make_payload
from certificates.register import format_number
from portal.models import Region
from portal.qr import qr_data_uri

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed from paper


def new_verification_code() -> str:
    """26 characters from a 31-letter alphabet: about 128.8 random bits."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(26))


def grouped(code: str) -> str:
    return "-".join(code[i : i + 5] for i in range(0, len(code), 5))


def chinese_date(day: dt.date) -> str:
    """GB/T 9704: Arabic numerals, full year, no leading zeros: 2026年3月5日."""
    return rules_chinese_date(day)


def gender_from_id(id_number: str) -> str:
    if len(id_number) == 18 and id_number[16].isdigit():
        return _("男") if int(id_number[16]) % 2 else _("女")
    return ""


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


CLOSING = "特此证明。"


@dataclass
class CertificateDocument:
    """The page of a community certificate, top to bottom: title and number; addressee (致：…); the body as signed;
    the purpose once, before 特此证明; validity; 负责人 and 经办人; the committee's full name as on its seal; the date
    in Chinese with the seal over it; and, below a rule, how to verify it."""

    title: str
    number: str
    addressee: str
    body_lines: list[str]
    purpose: str  # the purpose sentence, or "" when the signed body already says what the certificate is for
    closing: str
    validity: str
    committee_name: str
    responsible: str  # 负责人: the director who signed ("" before signing: a line to sign on)
    handler: str  # 经办人: the staff member who verified
    community_phone: str
    date_text: str
    seal_image: str
    qr_image: str
    verify_url: str
    verify_page: str
    code: str
    demo: bool
    preview: bool = False  # 样稿: shown on a page before sealing; no seal, no QR, no code
    copies: int = 1  # 份数, printed on paper issuance
    stub: bool = False  # 存根: the community's copy of a paper issuance, printed as a second page

    @property
    def copies_text(self) -> str:
        """份数: a certificate made in more than one copy says so, so that a copy cannot pass for a second matter."""
        return _("本证明一式%(n)s份。") % {"n": self.copies} if self.copies > 1 else ""

    def printed_text(self) -> str:
        return "\n".join(
            [
                self.copies_text,
                self.title,
                self.number,
                self.addressee,
                *self.body_lines,
                self.purpose,
                self.closing,
                self.validity,
                self.committee_name,
                self.responsible,
                self.handler,
                self.date_text,
                "致：负责人：经办人：",  # the labels the template prints around these values
            ]
        )

    def render_html(self) -> str:
        """The whole page for the PDF renderer."""
        return render_to_string("pdf/certificate.html", {"doc": self})

    def render_preview(self) -> str:
        """The same text in the same markup, as a fragment for a web page (certificates/_certificate_preview.html)."""
        return render_to_string("certificates/_certificate_preview.html", {"doc": self})


def validity_text(months: int | None, valid_until: dt.date | None) -> str:
    if months and valid_until:
        return _("本证明自出具之日起%(months)s个月内有效（至%(until)s止）。") % {
            "months": months,
            "until": chinese_date(valid_until),
        }
    if months:
        return _("本证明自出具之日起%(months)s个月内有效。") % {"months": months}
    return _("本证明不设有效期。")


def _layout(text: CertificateText) -> dict:
    """The signed text laid out: its words are printed as signed, in this order. The body's closing 特此证明 moves
    below the purpose; the purpose is added only when the body does not already say what the certificate is for;
    a body without an addressee line is addressed to the requesting body."""
    lines = [line.strip() for line in text.body.splitlines() if line.strip()]
    closing = CLOSING
    if lines and lines[-1].rstrip("。.!！") == CLOSING.rstrip("。"):
        closing = lines.pop()
    said = any("用于" in line or (text.purpose and text.purpose in line) for line in lines)
    purpose = "" if said or not text.purpose else _("本证明用于%(purpose)s。") % {"purpose": text.purpose}
    return {
        "addressee": text.addressee or text.requesting_body,
        "body_lines": lines,
        "purpose": purpose,
        "closing": closing,
    }


def build_document(
    *,
    text: CertificateText,
    community: Region,
    number: str,
    seal_image: str,
    code: str,
    issued_on: dt.date,
    demo: bool,
    responsible: str = "",
    handler: str = "",
    copies: int = 1,
    stub: bool = False,
    applicant_name: str = "",
) -> tuple[CertificateDocument, dt.date | None]:
    """The sealed certificate: the text as signed (certificates/freeze.py), numbered, dated, sealed and coded.

    The QR code opens the verification page and carries the signed compact payload (certificates/offline.py), which
    a verifier can check without the portal."""
    months = text.validity_months
    valid_until = add_months(issued_on, months) if months else None
    verify_url = settings.PORTAL_BASE_URL.rstrip("/") + reverse("verify", args=[code])
    qr_text = verify_url
    if applicant_name:
        payload = make_payload(
            code=code,
            number=number,
            applicant_name=applicant_name,
            community_code=community.code,
            issued_on=issued_on,
            valid_until=valid_until,
        )
        qr_text = f"{verify_url}?p={payload}"
    qr_data = qr_data_uri(qr_text)
    document = CertificateDocument(
        title=text.title,
        number=number,
        **_layout(text),
        validity=validity_text(months, valid_until),
        committee_name=community.committee_name(),
        responsible=responsible,
        handler=handler,
        community_phone=community.phone,
        date_text=chinese_date(issued_on),
        seal_image=seal_image,
        qr_image=qr_data,
        verify_url=verify_url,
        verify_page=settings.PORTAL_BASE_URL.rstrip("/") + reverse("verify_form"),
        code=grouped(code),
        demo=demo,
        copies=copies,
        stub=stub,
    )
    return document, valid_until


def build_preview(
    *,
    text: CertificateText,
    community: Region,
    on: dt.date,
    number: str = "",
    responsible: str = "",
    handler: str = "",
) -> CertificateDocument:
    """The certificate as it will read, before it is sealed: no seal, no QR code, no verification code.

    Before signing there is no number yet: the register's number format for this community stands in for it, so the
    font check reads the same characters the certificate will print.
    """
    if not number:
        number = format_number(community, on.year, 0).replace("0号", _("×号"))
    return CertificateDocument(
        title=text.title,
        number=number,
        **_layout(text),
        validity=validity_text(text.validity_months, None),
        committee_name=community.committee_name(),
        responsible=responsible,
        handler=handler,
        community_phone=community.phone,
        date_text=chinese_date(on),
        seal_image="",
        qr_image="",
        verify_url="",
        verify_page="",
        code="",
        demo=False,
        preview=True,
    )


# --- the refusal-and-referral notice (不予出具告知单) and the unnumbered guide ------------------------------------------


@dataclass(frozen=True)
class RefusalNoticeDocument:
    """Exactly what the notice page and its PDF need. A numbered notice (to a signed-in resident or from the counter)
    has a number, a date and a verification code; the guide anyone may print has none of them and is not counted."""

    community: Region
    item: object  # catalog.models.NonIssuableItem
    title: str
    number: str
    requesting_body: str
    date: dt.date
    issuer: str
    code: str = ""
    verify_url: str = ""
    notice: object | None = None  # certificates.models.RefusalNotice; None for the guide

    @classmethod
    def numbered(cls, notice) -> RefusalNoticeDocument:
        code = notice.code or ""
        return cls(
            notice=notice,
            community=notice.community,
            item=notice.item,
            title=_("不予出具证明告知单"),
            number=_("〔%(year)s〕第%(number)s号") % {"year": notice.year, "number": notice.number},
            requesting_body=notice.requesting_body,
            date=timezone.localdate(notice.created_at) if notice.created_at else timezone.localdate(),
            issuer=notice.community.name,
            code=grouped(code) if code else "",
            verify_url=settings.PORTAL_BASE_URL.rstrip("/") + reverse("verify", args=[code]) if code else "",
        )

    @classmethod
    def guide(cls, community: Region, item) -> RefusalNoticeDocument:
        return cls(
            community=community,
            item=item,
            title=_("不予出具证明办理指引"),
            number="",
            requesting_body="",
            date=timezone.localdate(),
            issuer=community.name,
        )

    def render_pdf_html(self, *, demo: bool) -> str:
        return render_to_string("pdf/refusal_notice.html", {"doc": self, "demo_mode": demo})
