"""Check a certificate QR payload offline: `manage.py verify_qr '<scanned URL or PC1.… payload>'`.

No database: the payload is checked by its Ed25519 signature against the portal's public key, or against a key given
with --public-key (base64url of the 32 raw bytes, as published at /.well-known/certificate-qr-key.json). Exits 0 when
the signature is valid, 1 otherwise.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from certificates.offline import check_payload
from portal.keys import fingerprint, qr_signer, unb64


class Command(BaseCommand):
    help = "Check a certificate QR payload by its signature, without the database."
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("payload", help="the scanned URL or the PC1.… payload")
        parser.add_argument("--public-key", help="base64url Ed25519 public key (default: the portal's own)")

    def handle(self, *args, payload: str, public_key: str | None, **options):
        try:
            key = unb64(public_key) if public_key else qr_signer().public_key_bytes()
        except ValueError:
            raise CommandError("--public-key is not base64url") from None
        self.stdout.write(f"key fingerprint: {fingerprint(key)}")
        check = check_payload(payload, public_key=key)
        if check.fields:
            f = check.fields
            self.stdout.write(
                f"code={f.code} number={f.number} name={f.masked_name} community={f.community_code} "
                f"issued={f.issued_on.isoformat()} valid_until={f.valid_until.isoformat() if f.valid_until else '-'}"
            )
        if not check.ok:
            raise CommandError(f"INVALID ({check.problem})", returncode=1)
        self.stdout.write("VALID signature")
