"""Check a certificate QR payload offline: `manage.py verify_qr '<scanned URL or PC1.… payload>'`.

No database: the payload is checked by its Ed25519 signature against the portal's public key, or against a key given
with --public-key (base64url of the 32 raw bytes, as published at /.well-known/certificate-qr-key.json). Exits 0 when
the signature is valid, 1 otherwise.

Where the portal's database is reachable (this command runs on the portal's server), a check with a valid signature is
recorded in the certificate's verification log, channel 'QR payload', so the holder sees it; --no-record skips that.
A verifier truly offline cannot record, and says so.
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
        parser.add_argument(
            "--public-key",
            help="base64url Ed25519 public key (default: the portal's own); write --public-key=KEY, as a key may begin with -",
        )
        parser.add_argument("--no-record", action="store_true", help="do not record the check in the verification log")

    def handle(self, *args, payload: str, public_key: str | None, no_record: bool, **options):
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
        self.stdout.write(self._record(check.fields) if not no_record else "not recorded (--no-record)")

    def _record(self, fields) -> str:
        from django.db import DatabaseError

        from certificates.verification import record_payload_check

        try:
            record = record_payload_check(fields, client="平台服务器（verify_qr 命令）")
        except DatabaseError:
            return "not recorded: no database reachable (an offline check cannot be recorded)"
        if record is None:
            return "not recorded: no certificate with this code and number in this portal's database"
        return "recorded in the certificate's verification log (channel: QR payload)"
