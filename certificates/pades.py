"""PAdES signatures on issued certificates (pyHanko), with keys the county manages.

The county runs a certificate authority; each community gets a signing key and a certificate issued by it. Every
issued PDF is signed with its community's key before its hash is taken, so the stored SHA-256 is that of the signed
file and the signature covers the document as stored. The verification page validates an uploaded PDF against the
county CA and tells apart: signed by us and unchanged, signed by us but changed after signing, not signed by us.

Keys are files under settings.SIGNING_KEY_DIR / "pades" (never in the repository or the database), created with mode
0600: `ca-key.pem`, `ca-cert.pem`, and per community `communities/<code>-key.pem` / `-cert.pem`. For development
`manage.py make_county_ca` makes the CA; a community's key and certificate are issued on first use while the CA key is
present. Without a CA (not provisioned) certificates are issued unsigned and the page says so.

The `DocumentSigner` protocol is what a hardware module or a county signing service implements instead of the files.
The national electronic seal (GB/T 38540, 电子印章) signs with SM2 over SM3 and wraps the seal image and the signer's
certificate in its own seal data structure; that implementation would provide the same `sign_pdf` and `examine`,
with an SM2 CA as the trust root, so issuance and verification do not change.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from django.conf import settings

from portal.models import Region


class DocumentSigner(Protocol):
    def sign_pdf(self, pdf: bytes, *, reason: str) -> bytes: ...


def _dir() -> Path:
    return Path(settings.SIGNING_KEY_DIR) / "pades"


def ca_paths() -> tuple[Path, Path]:
    return _dir() / "ca-key.pem", _dir() / "ca-cert.pem"


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _name(common: str, org: str):
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def _pem_key(key) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())


def create_county_ca(name: str = "区县民政部门证明签名CA（开发）", years: int = 10) -> Path:
    """A county CA for development: EC P-256 key and a self-signed CA certificate. Refuses to overwrite."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding

    key_path, cert_path = ca_paths()
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    subject = _name(name, "社区证明服务平台")
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_private(key_path, _pem_key(key))
    cert_path.write_bytes(cert.public_bytes(Encoding.PEM))
    return cert_path


def _community_paths(community: Region) -> tuple[Path, Path]:
    base = _dir() / "communities"
    return base / f"{community.code}-key.pem", base / f"{community.code}-cert.pem"


def _issue_community_certificate(community: Region, years: int = 3) -> None:
    """The county issues a community's signing key and certificate (CN: the committee's full name as on its seal)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding, load_pem_private_key

    ca_key_path, ca_cert_path = ca_paths()
    ca_key = load_pem_private_key(ca_key_path.read_bytes(), password=None)
    ca_cert = x509.load_pem_x509_certificate(ca_cert_path.read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(community.committee_name()[:64], community.code))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key_path, cert_path = _community_paths(community)
    _write_private(key_path, _pem_key(key))
    cert_path.write_bytes(cert.public_bytes(Encoding.PEM))


class FileSigner:
    """A community's key and certificate in files, with the county CA's certificate as the chain."""

    def __init__(self, community: Region):
        from pyhanko.sign import signers

        key_path, cert_path = _community_paths(community)
        self._signer = signers.SimpleSigner.load(
            str(key_path), str(cert_path), ca_chain_files=(str(ca_paths()[1]),), key_passphrase=None
        )

    def sign_pdf(self, pdf: bytes, *, reason: str) -> bytes:
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers

        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        meta = signers.PdfSignatureMetadata(
            field_name="CommunitySignature",
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=reason,
        )
        return signers.sign_pdf(writer, meta, signer=self._signer).getvalue()


def signer_for(community: Region) -> DocumentSigner | None:
    """The community's signer; its key is issued by the county CA on first use. None while no CA is provisioned."""
    ca_key, ca_cert = ca_paths()
    if not ca_cert.exists():
        return None
    key_path, cert_path = _community_paths(community)
    if not cert_path.exists():
        if not ca_key.exists():
            return None
        try:
            _issue_community_certificate(community)
        except FileExistsError:  # issued meanwhile by another process
            pass
    return FileSigner(community)


class SignatureStatus(StrEnum):
    SIGNED_UNCHANGED = "signed_unchanged"  # signed by one of our communities, not a byte changed since
    SIGNED_CHANGED = "signed_changed"  # our signature, but the file was changed after signing
    NOT_OURS = "not_ours"  # no signature, or one that does not chain to the county CA
    UNCHECKABLE = "uncheckable"  # no CA provisioned here, or the file cannot be read as PDF


def examine(data: bytes) -> SignatureStatus:
    """Validate the first signature of an uploaded PDF against the county CA (no network fetching)."""
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.general import load_cert_from_pemder
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    ca_cert = ca_paths()[1]
    if not ca_cert.exists():
        return SignatureStatus.UNCHECKABLE
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except (PdfReadError, ValueError, KeyError, TypeError):
        return SignatureStatus.UNCHECKABLE
    if not signatures:
        return SignatureStatus.NOT_OURS
    signature = signatures[0]
    if not _issued_by_county(signature.signer_cert.dump(), ca_cert):
        return SignatureStatus.NOT_OURS
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(ca_cert))], allow_fetching=False)
    try:
        status = validate_pdf_signature(signature, context)
    except Exception:  # noqa: BLE001 - a signature mangled after signing: our certificate, changed document
        return SignatureStatus.SIGNED_CHANGED
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    # pyHanko judges trust only for an intact signature; the signer's certificate was checked against the CA above.
    if status.intact and status.valid and status.trusted and status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return SignatureStatus.SIGNED_UNCHANGED
    return SignatureStatus.SIGNED_CHANGED


def _issued_by_county(signer_der: bytes, ca_cert_path: Path) -> bool:
    """The signer's certificate carries a valid signature of the county CA (whatever happened to the document)."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        signer = x509.load_der_x509_certificate(signer_der)
        ca = x509.load_pem_x509_certificate(ca_cert_path.read_bytes())
        if signer.issuer != ca.subject:
            return False
        ca.public_key().verify(
            signer.signature, signer.tbs_certificate_bytes, ec.ECDSA(signer.signature_hash_algorithm)
        )
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True
