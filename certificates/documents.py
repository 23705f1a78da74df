"""The certificate document: everything the PDF template needs, prepared from a signed request.

The view-model keeps the template free of logic and makes the font check possible before rendering: every
character that will be printed is in `printed_text()`.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from dataclasses import dataclass

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from catalog.rules import render_body
from certificates.models import CertificateRequest, RegisterEntry

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed from paper


def new_verification_code() -> str:
    """26 characters from a 31-letter alphabet: about 128.8 random bits."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(26))


def grouped(code: str) -> str:
    return "-".join(code[i : i + 5] for i in range(0, len(code), 5))


def chinese_date(day: dt.date) -> str:
    """GB/T 9704: Arabic numerals, full year, no leading zeros: 2026年3月5日."""
    return _("%(y)s年%(m)s月%(d)s日") % {"y": day.year, "m": day.month, "d": day.day}


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


@dataclass
class CertificateDocument:
    title: str
    number: str
    addressee: str
    body: str
    purpose: str
    validity: str
    community_name: str
    community_phone: str
    date_text: str
    seal_image: str
    qr_image: str
    verify_url: str
    verify_page: str
    code: str
    demo: bool

    def printed_text(self) -> str:
        return "\n".join(
            [self.title, self.number, self.body, self.purpose, self.validity, self.community_name, self.date_text]
        )

    def render_html(self) -> str:
        return render_to_string("pdf/certificate.html", {"doc": self})


def build_document(
    *, request: CertificateRequest, entry: RegisterEntry, seal_image: str, code: str, issued_on: dt.date, demo: bool
) -> tuple[CertificateDocument, dt.date | None]:
    item = request.item
    values = {
        **request.field_values,
        "applicant_name": request.applicant_name,
        "applicant_gender": gender_from_id(request.applicant_id_number),
        "applicant_id_number": request.applicant_id_number,
        "community_name": request.community.name,
        "purpose": request.purpose,
        "requesting_body": request.requesting_body,
    }
    if item is not None:
        body = render_body(item.body_template, values)
        months = item.validity_months
    else:  # 清单外据实出具: staff's own wording of the verified facts
        body = request.field_values.get("statement") or request.verification_note
        months = 3
    valid_until = add_months(issued_on, months) if months else None
    verify_url = settings.PORTAL_BASE_URL.rstrip("/") + reverse("verify", args=[code])
    qr = segno.make(verify_url, error="m")
    qr_data = "data:image/svg+xml;base64," + base64.b64encode(qr.svg_inline(scale=3, border=1).encode()).decode()
    validity = (
        _("本证明自出具之日起%(months)s个月内有效（至%(until)s）。")
        % {"months": months, "until": chinese_date(valid_until)}
        if valid_until
        else _("本证明不设有效期。")
    )
    document = CertificateDocument(
        title=request.matter_name,
        number=entry.display_number,
        addressee="",
        body=body,
        purpose=_("用途：%(purpose)s（要求出具单位：%(body)s）")
        % {"purpose": request.purpose, "body": request.requesting_body},
        validity=validity,
        community_name=request.community.name,
        community_phone=request.community.phone,
        date_text=chinese_date(issued_on),
        seal_image=seal_image,
        qr_image=qr_data,
        verify_url=verify_url,
        verify_page=settings.PORTAL_BASE_URL.rstrip("/") + reverse("verify_form"),
        code=grouped(code),
        demo=demo,
    )
    return document, valid_until
