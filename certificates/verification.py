"""What a verifier learns about a certificate, and what the holder learns about verifiers.

* The summary (核验摘要): for a code, a masked account of what was certified (title, number, committee, masked name,
  purpose, issue date, validity, status), so that a reader can compare it with the paper in their hand. A revoked
  certificate shows the date and the reason's category, never the director's written reason.
* The verification log (谁核验了我的证明): every check is a permanent `VerificationRecord` with when, the channel
  (the page, a file compared, a signed QR payload, an API) and the client's address masked to its network. The
  applicant sees the list on their request page; the community's staff see how many checks there were.
* The revoked copy: a download of a revoked certificate gets a copy with 已撤销 stamped on every page. The stored
  original is never touched: the stamp is a separate one-page PDF laid over a copy of each page, and the stored
  file keeps the hash recorded at issuance.
"""

from __future__ import annotations

import datetime as dt
import io
import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certificates.documents import chinese_date, validity_text
from certificates.issuance import Validity, validity_of
from certificates.models import IssuedCertificate, VerificationChannel, VerificationRecord
from certificates.offline import PayloadFields, mask_name
from portal.idcard import mask_id_number
from portal.pdf import render_pdf
from portal.ratelimit import client_address


def mask_client(address: str) -> str:
    """203.0.113.7 → 203.0.113.*; 2001:db8:1:2::5 → 2001:db8:1:*: the network, not the machine."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return _("未知")
    if ip.version == 4:
        return ".".join(str(ip).split(".")[:3]) + ".*"
    return ":".join(format(int(group, 16), "x") for group in ip.exploded.split(":")[:3]) + ":*"


def record_verification(certificate: IssuedCertificate, *, channel: str, request: HttpRequest) -> VerificationRecord:
    return VerificationRecord.objects.create(
        certificate=certificate, channel=channel, client=mask_client(client_address(request))
    )


def record_payload_check(fields: PayloadFields, *, client: str) -> VerificationRecord | None:
    """A QR payload whose signature was found valid, checked where the database is reachable: recorded as channel
    'QR payload' on the certificate it names (code and number must both match). None when no such certificate."""
    certificate = IssuedCertificate.objects.filter(code=fields.code, entry__display_number=fields.number).first()
    if certificate is None:
        return None
    return VerificationRecord.objects.create(
        certificate=certificate, channel=VerificationChannel.PAYLOAD, client=client[:64]
    )


STATUS_LABELS = {
    Validity.VALID: gettext_lazy("有效"),
    Validity.REVOKED: gettext_lazy("已撤销"),
    Validity.EXPIRED: gettext_lazy("已过期"),
}
# A specimen (demo mode, a specimen seal or no impression uploaded) is never valid, even before it expires.
SPECIMEN_LABEL = gettext_lazy("样张，不具有效力")


@dataclass(frozen=True)
class Summary:
    title: str
    number: str
    committee: str
    masked_name: str
    masked_id: str
    purpose: str
    issued_on: str
    validity: str
    status: str  # Validity value
    status_label: str
    specimen: bool  # issued in demo mode or with a specimen seal: never shown as valid
    revoked_on: str
    revoked_category: str


def summary_of(certificate: IssuedCertificate, today: dt.date | None = None) -> Summary:
    entry = certificate.entry
    status = validity_of(certificate, today)
    revocation = getattr(certificate, "revocation", None)
    return Summary(
        title=entry.matter_name,
        number=entry.display_number,
        committee=entry.community.committee_name(),
        masked_name=mask_name(entry.applicant_name),
        masked_id=mask_id_number(entry.applicant_id_number),
        purpose=entry.purpose,
        issued_on=chinese_date(timezone.localdate(certificate.issued_at)),
        validity=validity_text(entry.validity_months, certificate.valid_until),
        status=status.value,
        status_label=str(SPECIMEN_LABEL if certificate.demo and status == Validity.VALID else STATUS_LABELS[status]),
        specimen=certificate.demo,
        revoked_on=chinese_date(timezone.localdate(revocation.revoked_at)) if revocation else "",
        revoked_category=revocation.get_category_display() if revocation else "",
    )


def revoked_copy(certificate: IssuedCertificate) -> bytes:
    """The stored PDF (checked against its hash) with 已撤销, the date and the reason's category on every page."""
    import pikepdf

    revocation = certificate.revocation
    with translation.override(settings.LANGUAGE_CODE):
        stamp_pdf = render_pdf(
            render_to_string(
                "pdf/revoked_stamp.html",
                {
                    "revoked_on": chinese_date(timezone.localdate(revocation.revoked_at)),
                    "category": revocation.get_category_display(),
                    "number": certificate.entry.display_number,
                },
            )
        )
    original = pikepdf.open(io.BytesIO(certificate.read_pdf()))
    stamp = pikepdf.open(io.BytesIO(stamp_pdf))
    for page in original.pages:
        page.add_overlay(stamp.pages[0], pikepdf.Rectangle(page.mediabox))
    original.docinfo["/Title"] = _("已撤销") + " " + certificate.entry.display_number
    out = io.BytesIO()
    original.save(out)
    return out.getvalue()


__all__ = ["VerificationChannel", "mask_client", "mask_name", "record_verification", "revoked_copy", "summary_of"]
