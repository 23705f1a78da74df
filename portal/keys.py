"""Signing keys behind one small interface, so that a hardware module or a signing service can replace the files.

Today one key: the Ed25519 key that signs the compact payload in a certificate's QR code (certificates/offline.py).
The private key is a PEM file in settings.SIGNING_KEY_DIR, outside the repository and the database, created with mode
0600 (readable only by the portal's user). The public key is published at /.well-known/certificate-qr-key.json and
its fingerprint in the county's notice, so that a verifier without network can check a scan.

A `Signer` only signs and names its public key; nothing else in the portal touches private key material. A
different implementation (PKCS#11 HSM, a county signing service) only has to provide these two methods. For the
national electronic seal (GB/T 38540, SM2 signatures over SM3) the same interface applies with an SM2 key: the
payload format carries its algorithm name, so verifiers can tell the two apart during a transition.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import logging
import os
from pathlib import Path
from typing import Protocol

from django.conf import settings

logger = logging.getLogger(__name__)

QR_KEY_FILE = "qr-ed25519.pem"


class Signer(Protocol):
    algorithm: str

    def sign(self, message: bytes) -> bytes: ...

    def public_key_bytes(self) -> bytes: ...


class Ed25519FileSigner:
    """An Ed25519 private key in a PEM file (PKCS#8, unencrypted: the file's mode is its protection)."""

    algorithm = "Ed25519"

    def __init__(self, path: Path):
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        self._key = load_pem_private_key(path.read_bytes(), password=None)

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)

    def public_key_bytes(self) -> bytes:
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        return self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def create_ed25519_key(path: Path) -> None:
    """Write a new private key readable only by this user. Refuses to overwrite an existing key."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)


def qr_key_path() -> Path:
    return Path(settings.SIGNING_KEY_DIR) / QR_KEY_FILE


def qr_signer() -> Signer:
    """The QR payload signer. A missing key file is created (mode 0600) and logged: a deployment should create it
    beforehand with `manage.py make_qr_key` and publish its fingerprint in the county's notice."""
    return _qr_signer(qr_key_path())


@functools.cache
def _qr_signer(path: Path) -> Signer:
    """Loaded once per key file (a changed SIGNING_KEY_DIR, as in tests, gets its own key)."""
    if not path.exists():
        try:
            create_ed25519_key(path)
            logger.warning("created a new QR signing key at %s; publish its fingerprint", path)
        except FileExistsError:  # another process created it first
            pass
    return Ed25519FileSigner(path)


def verify_ed25519(public_key: bytes, signature: bytes, message: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def fingerprint(public_key: bytes) -> str:
    """The first 16 bytes of the key's SHA-256, in 8 groups of 4 hex digits: short enough to print and compare."""
    digest = hashlib.sha256(public_key).hexdigest().upper()[:32]
    return " ".join(digest[i : i + 4] for i in range(0, 32, 4))


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def qr_public_key_document() -> dict:
    """What /.well-known/certificate-qr-key.json publishes."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    raw = qr_signer().public_key_bytes()
    pem = Ed25519PublicKey.from_public_bytes(raw).public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    return {
        "use": "certificate QR payload (PC1)",
        "algorithm": "Ed25519",
        "public_key_base64url": b64(raw),
        "public_key_pem": pem.decode(),
        "fingerprint": fingerprint(raw),
    }
