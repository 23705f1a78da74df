"""PAdES signatures on issued PDFs (pyHanko), with keys the county manages.

The county runs a certificate authority; each community gets a signing key and a certificate issued by it. Every
issued PDF (certificates, and numbered refusal notices 不予出具告知单) is signed with its community's key through
signer_or_alert before its hash is taken, so the stored SHA-256 is that of the signed
file and the signature covers the document as stored. The verification page validates an uploaded PDF against the
county CA and its revocation list and tells apart: signed by us and unchanged, signed by us but changed after signing,
signed with a key the county had revoked, not signed by us.

Keys (states: issued → revoked). Files under settings.SIGNING_KEY_DIR / "pades", never in the repository or the
database, private keys created with mode 0600 in directories of mode 0700: `ca-key.pem`, `ca-cert.pem`, and per key
`communities/<community code>/<serial>-key.pem` / `-cert.pem`. The database records each key (`SigningKey`: serial,
fingerprint, who issued it) and each revocation (`SigningKeyRevocation`), both permanent. `manage.py make_county_ca`
makes a development CA; the county officer issues and revokes keys on the county's page (signing_key_issue /
signing_key_revoke). A community that never had a key gets one from the CA at its first issuance (recorded without a
person). Without a CA, or when the community's key was revoked and no new one issued, issuance is refused and the
county is alerted: a resident never receives an unsigned certificate, nor an unsigned numbered notice (the
unnumbered guide, which anyone may print, is neither stored nor signed).

Revocation (what we chose). The county CA publishes a CRL at /verify/ca.crl (each community certificate names it);
pyHanko's validator consumes it. As in PAdES practice, a signature made before the revocation stays valid and one
made after is not. The time claimed inside a signature is the signer's own word, and we have no timestamp authority,
so the trusted signing time is the portal's register: when an uploaded file is byte for byte a certificate we issued,
its recorded issue time is the moment of validation; any other file signed with a revoked key is judged now, i.e. not
valid.

The `DocumentSigner` protocol is what a hardware module or a county signing service implements instead of the files.
Path to the national electronic seal (GB/T 38540-2019 安全电子签章密码技术规范, with GB/T 35275 SM2 signatures over
SM3 and GM/T 0031 seal structures): an implementation of `DocumentSigner` whose `sign_pdf` builds the SES_Signature
(seal data with the seal image, the signer's SM2 certificate from an SM2 county CA, a signature over the document's SM3
digest) and embeds it in the PDF's signature dictionary (SubFilter `ETSI.CAdES.detached` replaced by the GB/T 38540
one), and an `examine` for that SubFilter against the SM2 CA; the CRL and `SigningKey` records stay as they are
(serials and fingerprints are algorithm-neutral). Issuance and the verification page then change nothing.
`cryptography` has no SM2, so that implementation needs gmssl or an HSM that speaks SM2 (the usual route).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import logging
import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.models import Region

if TYPE_CHECKING:
    from certificates.models import SigningKey, SigningKeyRevocation
    from portal.models import User

logger = logging.getLogger(__name__)

# Space for the CMS object (hex in the file). Given explicitly, pyHanko skips its estimate, which signs a dummy
# document first: half the signing time. An EC P-256 signature with a two-certificate chain takes about 1.5 KB.
SIGNATURE_BYTES_RESERVED = 6144
KEY_YEARS = 3


class DocumentSigner(Protocol):
    """Signs an issued certificate's PDF for one community; returns the signed file (the bytes that are stored and
    hashed). Implemented here by FileSigner (PAdES, ECDSA P-256, key in a 0600 file).

    A PKCS#11 hardware module or a county signing service implements the same method, keeping the private key out of
    the portal. For the national electronic seal, GB/T 38540 (SM2 over SM3, SES_Signature with the seal image and the
    signer's SM2 certificate), the implementation returns the PDF with that signature embedded instead of a CAdES
    one; see the module docstring for what else changes (the CA, examine) and what does not (issuance, records)."""

    def sign_pdf(self, pdf: bytes, *, reason: str) -> bytes: ...


class SigningUnavailable(Exception):
    """No key can sign for this community now; the message says why, for the keeper. `reason` names the cause (the
    county is alerted once an hour per community and reason, alert_county). The message is kept lazy: the keeper
    reads it in their language, the county's alert is written in Chinese (`in_chinese`)."""

    def __init__(self, message, *, reason: str):
        super().__init__(message)
        self._message = message
        self.reason = reason

    @property
    def message(self) -> str:
        return str(self._message)

    def in_chinese(self) -> str:
        with translation.override(settings.LANGUAGE_CODE):
            return str(self._message)


class KeyRefused(Exception):
    def __init__(self, message, *, forbidden: bool = False):
        super().__init__(message)
        self._message = message  # may be lazy: SigningUnavailable repeats it in Chinese for the county
        self.forbidden = forbidden

    @property
    def message(self) -> str:
        return str(self._message)


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


@functools.lru_cache(maxsize=4)
def _load_ca(key_path: str, cert_path: str, mtime: float):
    """The CA's key (None when only its certificate is here) and certificate, read once per file version."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    cert = x509.load_pem_x509_certificate(Path(cert_path).read_bytes())
    key = load_pem_private_key(Path(key_path).read_bytes(), password=None) if Path(key_path).exists() else None
    return key, cert


def _ca():
    key_path, cert_path = ca_paths()
    return _load_ca(str(key_path), str(cert_path), cert_path.stat().st_mtime)


def key_paths(community_code: str, serial: str) -> tuple[Path, Path]:
    base = _dir() / "communities" / community_code
    return base / f"{serial}-key.pem", base / f"{serial}-cert.pem"


def crl_url() -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse("county_ca_crl")


def _county_officer(actor: User, community: Region) -> bool:
    from certificates.services import is_county_officer_of  # services imports the workflow, which imports us

    return is_county_officer_of(actor, community)


def signing_key_issue(*, community: Region, actor: User | None) -> SigningKey:
    """The county CA issues a new signing key for a community (CN: the committee's full name as on its seal).

    `actor` None: issued without a person (the development command, or the community's first issuance). A new key
    takes over signing; older unrevoked keys stay valid for what they signed."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding

    from certificates.models import SigningKey

    if actor is not None and not _county_officer(actor, community):
        raise KeyRefused(_("只有本区县民政干部可以签发社区签名密钥。"), forbidden=True)
    if not community.is_community:
        raise KeyRefused(gettext_lazy("签名密钥只发给社区（村）。"))
    if not ca_paths()[1].exists() or _ca()[0] is None:
        raise KeyRefused(
            gettext_lazy(
                "本平台没有区县CA的私钥，无法签发签名密钥。请区县先配置CA（开发环境：manage.py make_county_ca）。"
            )
        )
    ca_key, ca_cert = _ca()
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    serial = x509.random_serial_number()
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(community.committee_name()[:64], community.code))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * KEY_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()), critical=False)
        .add_extension(
            x509.CRLDistributionPoints(
                [x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url())], None, None, None)]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    hex_serial = format(serial, "x")
    key_path, cert_path = key_paths(community.code, hex_serial)
    _write_private(key_path, _pem_key(key))
    cert_path.write_bytes(cert.public_bytes(Encoding.PEM))
    return SigningKey.objects.create(
        community=community,
        serial=hex_serial,
        fingerprint=cert.fingerprint(hashes.SHA256()).hex().upper(),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        created_by=actor,
    )


@transaction.atomic
def signing_key_revoke(*, key: SigningKey, actor: User, category: str, reason: str) -> SigningKeyRevocation:
    """The county officer of the key's community revokes it, with a reason: from now on the CRL lists it."""
    from certificates.models import KeyRevocationReason, SigningKey, SigningKeyRevocation

    key = SigningKey.objects.select_for_update().select_related("community").get(pk=key.pk)
    if not _county_officer(actor, key.community):
        raise KeyRefused(_("只有本区县民政干部可以吊销社区签名密钥。"), forbidden=True)
    if SigningKeyRevocation.objects.filter(key=key).exists():
        raise KeyRefused(_("该签名密钥已经吊销。"))
    if category not in KeyRevocationReason.values:
        raise KeyRefused(_("请选择吊销原因类别。"))
    if not reason.strip():
        raise KeyRefused(_("请写明吊销理由。"))
    # Effective from the next whole second: the CRL's time has no fractions, and a certificate issued in the
    # fraction of a second before the revocation must not read as signed after it. The portal itself signs nothing
    # with the key from now on (active_key), so the rounding opens no window for it.
    now = timezone.now()
    revoked_at = now.replace(microsecond=0) + dt.timedelta(seconds=1 if now.microsecond else 0)
    return SigningKeyRevocation.objects.create(
        key=key, category=category, reason=reason.strip(), revoked_by=actor, revoked_at=revoked_at
    )


def active_key(community: Region) -> SigningKey | None:
    """The key that signs for the community now: its newest, unrevoked and unexpired."""
    from certificates.models import SigningKey

    return (
        SigningKey.objects.filter(community=community, revocation__isnull=True, not_after__gt=timezone.now())
        .order_by("-created_at", "-pk")
        .first()
    )


class FileSigner:
    """A community's key and certificate in files, with the county CA's certificate as the chain.

    pyHanko prepares the PDF (signature field, byte range, digest) and embeds the result; the CMS container itself
    is built here with the three signed attributes PAdES baseline B-B asks for (content type, message digest,
    signing-certificate-v2; no signing-time attribute, the time is the dictionary's /M), its constant parts
    encoded once per key. pyHanko's general CMS builder re-encodes certificates and attributes several times over
    and took about 80 % of a signature (profiled with cProfile: asn1crypto dump/_set_contents); this takes a sixth."""

    def __init__(self, key_path: Path, cert_path: Path):
        import hashlib

        from asn1crypto import cms, tsp
        from asn1crypto import x509 as asn1_x509
        from cryptography.hazmat.primitives.serialization import load_pem_private_key
        from pyhanko.sign.general import load_cert_from_pemder
        from pyhanko.sign.signers.pdf_cms import ExternalSigner
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        self._key = load_pem_private_key(key_path.read_bytes(), password=None)
        self._cert = load_cert_from_pemder(str(cert_path))
        self._chain = [self._cert, load_cert_from_pemder(str(ca_paths()[1]))]
        ess = tsp.SigningCertificateV2(
            {
                "certs": [
                    {
                        "hash_algorithm": {"algorithm": "sha256"},
                        "cert_hash": hashlib.sha256(self._cert.dump()).digest(),
                        "issuer_serial": {
                            "issuer": [asn1_x509.GeneralName({"directory_name": self._cert.issuer})],
                            "serial_number": self._cert.serial_number,
                        },
                    }
                ]
            }
        )
        self._constant_attrs = [
            cms.CMSAttribute({"type": "content_type", "values": ["data"]}).dump(),
            cms.CMSAttribute({"type": "signing_certificate_v2", "values": [ess]}).dump(),
        ]
        self._sid = cms.SignerIdentifier(
            {
                "issuer_and_serial_number": {
                    "issuer": self._cert.issuer,
                    "serial_number": self._cert.serial_number,
                }
            }
        )
        # Only to let pyHanko size and place the signature; it never signs.
        self._placeholder = ExternalSigner(
            signing_cert=self._cert,
            cert_registry=SimpleCertificateStore.from_certs(self._chain[1:]),
            signature_value=bytes(72),
        )

    def _cms(self, digest: bytes):
        from asn1crypto import cms
        from asn1crypto.parser import emit
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        digest_attr = cms.CMSAttribute({"type": "message_digest", "values": [digest]}).dump()
        # DER: a SET OF is sorted by its elements' encodings; the signature is over the SET's own encoding.
        attrs = emit(0, 1, 17, b"".join(sorted([*self._constant_attrs, digest_attr])))
        signature = self._key.sign(attrs, ec.ECDSA(hashes.SHA256()))
        signer_info = cms.SignerInfo(
            {
                "version": "v1",
                "sid": self._sid,
                "digest_algorithm": {"algorithm": "sha256"},
                "signed_attrs": cms.CMSAttributes.load(attrs),
                "signature_algorithm": {"algorithm": "sha256_ecdsa"},
                "signature": signature,
            }
        )
        signed_data = cms.SignedData(
            {
                "version": "v1",
                "digest_algorithms": [{"algorithm": "sha256"}],
                "encap_content_info": {"content_type": "data"},
                "certificates": self._chain,
                "signer_infos": [signer_info],
            }
        )
        return cms.ContentInfo({"content_type": "signed_data", "content": signed_data})

    def sign_pdf(self, pdf: bytes, *, reason: str) -> bytes:
        import asyncio

        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers
        from pyhanko.sign.signers.pdf_signer import PdfSigner, PdfTBSDocument

        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        meta = signers.PdfSignatureMetadata(
            field_name="CommunitySignature",
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=reason,
        )
        pdf_signer = PdfSigner(meta, signer=self._placeholder)

        async def sign() -> io.BytesIO:
            # The incremental update is written into the input's own buffer (in_place): no copy of the document.
            # No validation info is embedded at signing (LTV would come with a timestamp); the CRL is published.
            prepared, _tbs, output = await pdf_signer.async_digest_doc_for_signing(
                writer, bytes_reserved=SIGNATURE_BYTES_RESERVED, in_place=True
            )
            await PdfTBSDocument.async_finish_signing(output, prepared, self._cms(prepared.document_digest))
            return output

        try:
            asyncio.get_running_loop()
        except RuntimeError:  # the usual case: a plain (WSGI, command) thread
            return asyncio.run(sign()).getvalue()
        # Called from a thread that runs an event loop (an async caller; Playwright's sync API in browser tests):
        # asyncio.run refuses there, so the signature is made on a short-lived worker thread.
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, sign()).result().getvalue()


@functools.lru_cache(maxsize=64)
def _file_signer(community_code: str, serial: str, ca_mtime: float) -> FileSigner:
    """Loaded once per key (parsing the PEM files and the chain is a third of a signature's cost otherwise)."""
    return FileSigner(*key_paths(community_code, serial))


def signer_for(community: Region) -> DocumentSigner:
    """The community's signer, or SigningUnavailable saying why not. A community that never had a key gets one from
    the county CA now (its first issuance); a revoked key is never replaced without the county."""
    from certificates.models import SigningKey

    ca_cert = ca_paths()[1]
    if not ca_cert.exists():
        raise SigningUnavailable(
            gettext_lazy("区县尚未配置电子签名证书（CA），证明无法加盖电子签名，暂不能出具。已通知区县民政部门。"),
            reason="no_ca",
        )
    key = active_key(community)
    if key is None:
        if SigningKey.objects.filter(community=community).exists():
            raise SigningUnavailable(
                gettext_lazy("本社区的签名密钥已被区县吊销或已到期，区县签发新密钥之前不能出具。已通知区县民政部门。"),
                reason="key_revoked",
            )
        Region.objects.select_for_update().filter(pk=community.pk).first()  # one first key, however many keepers
        key = active_key(community)
        if key is None:
            try:
                key = signing_key_issue(community=community, actor=None)
            except KeyRefused as refused:
                raise SigningUnavailable(
                    format_lazy("{}{}", refused._message, gettext_lazy("已通知区县民政部门。")),
                    reason="first_key_refused",
                ) from None
    return _file_signer(community.code, key.serial, ca_cert.stat().st_mtime)


def signer_or_alert(community: Region) -> DocumentSigner:
    """The one rule for every issued PDF (certificates, numbered refusal notices): the community's signer, or the
    county is alerted and SigningUnavailable raised, so that the caller refuses instead of storing an unsigned file."""
    try:
        return signer_for(community)
    except SigningUnavailable as unavailable:
        alert_county(community, unavailable.in_chinese(), reason=unavailable.reason)
        raise


ALERT_EVERY_SECONDS = 3600


def _first_alert_this_hour(community: Region, reason: str) -> bool:
    """True for the first alert of the hour for this community and reason; every keeper's or resident's attempt
    would otherwise mail the county again. With the cache unreachable: True (an alert too many rather than none)."""
    key = f"pades:alert:{community.code}:{reason}"
    try:
        if cache.add(key, 1, timeout=ALERT_EVERY_SECONDS):
            return True
        # portal.cache answers False to add when Redis is down; only a key that is really there suppresses.
        return cache.get(key) is None
    except Exception:  # noqa: BLE001 - any cache failure: send
        logger.warning("cache unavailable for the signing alert of %s; sending", community.code, exc_info=True)
        return True


def alert_county(community: Region, message: str, *, reason: str) -> None:
    """Tell the county's officers that a community cannot issue (by email where they gave one, and in the log): in
    Chinese whoever's attempt triggered it, at most once an hour per community and reason."""
    from django.core.mail import send_mail

    from portal.models import Membership
    from portal.regions import Level
    from portal.roles import Role

    logger.error("certificate signing unavailable for %s: %s", community.code, message)
    if not _first_alert_this_hour(community, reason):
        return
    officers = [
        m.user.email
        for m in Membership.objects.filter(role=Role.COUNTY_OFFICER, active=True, region__level=Level.COUNTY)
        .select_related("user", "region")
        .iterator()
        if community.code.startswith(m.region.prefix) and m.user.email
    ]
    if officers:
        with translation.override(settings.LANGUAGE_CODE):  # the county's officers read Chinese
            subject = _("社区证明无法加盖电子签名：%(name)s") % {"name": community.name}
        send_mail(
            subject,
            message,
            None,
            officers,
            fail_silently=True,
        )


def crl_der(now: dt.datetime | None = None) -> bytes:
    """The county CA's certificate revocation list (DER), from the revocation records; valid for a day."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.x509 import ReasonFlags

    from certificates.models import KeyRevocationReason, SigningKeyRevocation

    reasons = {
        KeyRevocationReason.KEY_COMPROMISE: ReasonFlags.key_compromise,
        KeyRevocationReason.SUPERSEDED: ReasonFlags.superseded,
        KeyRevocationReason.AFFILIATION_CHANGED: ReasonFlags.affiliation_changed,
        KeyRevocationReason.CESSATION: ReasonFlags.cessation_of_operation,
    }
    now = now or dt.datetime.now(dt.UTC)
    ca_key, ca_cert = _ca()
    if ca_key is None:
        raise KeyRefused(_("本平台没有区县CA的私钥，无法签发吊销列表。"))
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(now - dt.timedelta(minutes=1))
        .next_update(now + dt.timedelta(days=1))
        .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)  # increases with every issue
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()), critical=False)
    )
    for revocation in SigningKeyRevocation.objects.select_related("key").order_by("pk"):
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(int(revocation.key.serial, 16))
            .revocation_date(revocation.revoked_at)
            .add_extension(x509.CRLReason(reasons[revocation.category]), critical=False)
            .build()
        )
    return builder.sign(ca_key, hashes.SHA256()).public_bytes(Encoding.DER)


class SignatureStatus(StrEnum):
    SIGNED_UNCHANGED = "signed_unchanged"  # signed by one of our communities, not a byte changed since
    SIGNED_CHANGED = "signed_changed"  # our signature, but the file was changed after signing
    KEY_REVOKED = "key_revoked"  # our signature, unchanged, but made with a key revoked before it was signed
    NOT_OURS = "not_ours"  # no signature, or one that does not chain to the county CA
    UNCHECKABLE = "uncheckable"  # no CA provisioned here, or the file cannot be read as PDF


@dataclass(frozen=True)
class SignatureCheck:
    status: SignatureStatus
    revocation: SigningKeyRevocation | None = None  # the signing key's revocation, if it was revoked
    signed: bool = True  # False: the PDF carries no signature at all (NOT_OURS), e.g. one issued before signing began


def examine(data: bytes, *, registered_at: dt.datetime | None = None) -> SignatureStatus:
    return examine_detail(data, registered_at=registered_at).status


def examine_detail(data: bytes, *, registered_at: dt.datetime | None = None) -> SignatureCheck:
    """Validate the first signature of an uploaded PDF against the county CA and its CRL (no network fetching).

    registered_at: when the register says this very file was issued (the caller compared its hash). It is the trusted
    signing time; without it the signature is judged as of now."""
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.general import load_cert_from_pemder
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    from certificates.models import SigningKeyRevocation

    ca_cert = ca_paths()[1]
    if not ca_cert.exists():
        return SignatureCheck(SignatureStatus.UNCHECKABLE)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except (PdfReadError, ValueError, KeyError, TypeError):
        return SignatureCheck(SignatureStatus.UNCHECKABLE)
    if not signatures:
        return SignatureCheck(SignatureStatus.NOT_OURS, signed=False)
    signature = signatures[0]
    if not _issued_by_county(signature.signer_cert.dump(), ca_cert):
        return SignatureCheck(SignatureStatus.NOT_OURS)
    revocation = (
        SigningKeyRevocation.objects.select_related("key")
        .filter(key__serial=format(signature.signer_cert.serial_number, "x"))
        .first()
    )
    try:
        crls, mode = [crl_der()], "hard-fail"
    except KeyRefused:  # a verifier holding only the CA's certificate: the revocation records still say revoked
        crls, mode = [], "soft-fail"
    context = ValidationContext(
        trust_roots=[load_cert_from_pemder(str(ca_cert))],
        crls=crls,
        allow_fetching=False,
        revocation_mode=mode,
        moment=registered_at or dt.datetime.now(dt.UTC),
        retroactive_revinfo=True,  # the CRL is issued after a registered signing time; that is how it must be
    )
    try:
        status = validate_pdf_signature(signature, context)
    except Exception:  # noqa: BLE001 - a signature mangled after signing: our certificate, changed document
        return SignatureCheck(SignatureStatus.SIGNED_CHANGED, revocation)
    # pyHanko judges trust only for an intact signature; the signer's certificate was checked against the CA above.
    if not (status.intact and status.valid and status.coverage == SignatureCoverageLevel.ENTIRE_FILE):
        return SignatureCheck(SignatureStatus.SIGNED_CHANGED, revocation)
    # Without the register's time the signing time is unknown: any revocation of the key makes the signature invalid.
    if status.revoked or (revocation and (registered_at is None or revocation.revoked_at <= registered_at)):
        return SignatureCheck(SignatureStatus.KEY_REVOKED, revocation)
    if status.trusted:
        return SignatureCheck(SignatureStatus.SIGNED_UNCHANGED, revocation)
    return SignatureCheck(SignatureStatus.SIGNED_CHANGED, revocation)


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
