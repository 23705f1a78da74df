"""Create the county's certificate authority for development (certificates/pades.py): EC P-256, self-signed, files
in SIGNING_KEY_DIR/pades with the key at mode 0600. Communities' signing keys are then issued by the county officer
on the county's 签名密钥 page, or from the CA at a community's first issuance. Without a CA nothing is issued.

Production: the county provisions its real CA (or a signing service implementing pades.DocumentSigner) instead.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from certificates.pades import ca_paths, create_county_ca


class Command(BaseCommand):
    help = "Create a development county CA for PAdES signatures (once)."

    def handle(self, *args, **options):
        key, cert = ca_paths()
        if cert.exists():
            self.stdout.write(f"county CA exists: {cert}")
            return
        create_county_ca()
        self.stdout.write(f"created county CA: {cert} (key {key}, mode 0600)")
