"""Create the Ed25519 key that signs certificate QR payloads (portal/keys.py), in SIGNING_KEY_DIR, mode 0600.

Refuses to overwrite an existing key: replacing it means every printed QR code fails offline checks until the new
fingerprint is published. Prints the fingerprint for the county's notice.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from portal.keys import _qr_signer, create_ed25519_key, fingerprint, qr_key_path, qr_signer


class Command(BaseCommand):
    help = "Create the QR payload signing key (once) and print its fingerprint."

    def handle(self, *args, **options):
        path = qr_key_path()
        if path.exists():
            self.stdout.write(f"key exists: {path}")
        else:
            try:
                create_ed25519_key(path)
            except FileExistsError:
                raise CommandError(f"{path} appeared while creating it") from None
            self.stdout.write(f"created {path} (mode 0600)")
        _qr_signer.cache_clear()
        self.stdout.write(f"fingerprint: {fingerprint(qr_signer().public_key_bytes())}")
