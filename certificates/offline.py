"""The signed compact payload in a certificate's QR code: checked offline, without the portal's database.

A scan yields the verification URL with `?p=<payload>`. Online, the verification page shows the record; offline,
`manage.py verify_qr` or any Ed25519 implementation checks the payload against the county's published public key
(its fingerprint is printed in the notice board, portal/keys.py), and reads what was certified:

    PC1.<base64url(message)>.<base64url(signature)>
    message = code ␟ number ␟ masked name ␟ community code ␟ issued YYYYMMDD ␟ valid until YYYYMMDD or empty

(␟ is U+001F, the unit separator, which no field may contain.) "PC1" names the format and Ed25519; an SM2 signature
(GB/T 38540) would get its own prefix.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from portal import keys

PREFIX = "PC1"
SEPARATOR = "\x1f"
MAX_PAYLOAD = 600  # characters; a real payload is about 250


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳小明 → 欧***: enough for the holder to recognise, little for anyone else."""
    return name[:1] + "*" * (len(name) - 1) if name else ""


@dataclass(frozen=True)
class PayloadFields:
    code: str
    number: str
    masked_name: str
    community_code: str
    issued_on: dt.date
    valid_until: dt.date | None


def _day(text: str) -> dt.date | None:
    return dt.datetime.strptime(text, "%Y%m%d").date() if text else None  # noqa: DTZ007 - a calendar date


def make_payload(
    *, code: str, number: str, applicant_name: str, community_code: str, issued_on: dt.date, valid_until
) -> str:
    fields = [
        code,
        number,
        mask_name(applicant_name),
        community_code,
        issued_on.strftime("%Y%m%d"),
        valid_until.strftime("%Y%m%d") if valid_until else "",
    ]
    message = SEPARATOR.join(field.replace(SEPARATOR, " ") for field in fields).encode()
    signature = keys.qr_signer().sign(message)
    return f"{PREFIX}.{keys.b64(message)}.{keys.b64(signature)}"


@dataclass(frozen=True)
class PayloadCheck:
    ok: bool
    fields: PayloadFields | None  # what the payload says (also when the signature fails, to show what was forged)
    problem: str  # "" when ok; "format" or "signature"


def check_payload(payload: str, public_key: bytes | None = None) -> PayloadCheck:
    """Decode and check a payload against the public key (by default the portal's own). No database access."""
    payload = (payload or "").strip()
    if "?p=" in payload or "&p=" in payload:  # a whole scanned URL
        from urllib.parse import parse_qs, urlsplit

        payload = (parse_qs(urlsplit(payload).query).get("p") or [""])[0]
    parts = payload.split(".")
    if len(payload) > MAX_PAYLOAD or len(parts) != 3 or parts[0] != PREFIX:
        return PayloadCheck(False, None, "format")
    try:
        message, signature = keys.unb64(parts[1]), keys.unb64(parts[2])
        values = message.decode().split(SEPARATOR)
        code, number, masked, community, issued, until = values
        fields = PayloadFields(code, number, masked, community, _day(issued), _day(until))
    except (ValueError, UnicodeDecodeError):
        return PayloadCheck(False, None, "format")
    key = public_key if public_key is not None else keys.qr_signer().public_key_bytes()
    if not keys.verify_ed25519(key, signature, message):
        return PayloadCheck(False, fields, "signature")
    return PayloadCheck(True, fields, "")
