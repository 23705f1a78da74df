"""Public verification of a certificate (核验): no login, reached by the QR code or by typing the code.

Every unknown code gets the same page. Requests are rate-limited per client address so codes cannot be guessed
by brute force (they carry about 128 random bits anyway).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from certificates import pades
from certificates.documents import CODE_ALPHABET, RefusalNoticeDocument
from certificates.models import IssuedCertificate, RefusalNotice, VerificationChannel
from certificates.offline import check_payload
from certificates.verification import mask_client, record_payload_check, record_verification, summary_of
from portal.errors import NotFound
from portal.keys import fingerprint, qr_signer
from portal.pagecache import VerificationPage
from portal.ratelimit import client_address, over_limit

MAX_UPLOAD = 5 * 1024 * 1024


def rate_limited(request: HttpRequest) -> bool:
    return over_limit(
        request, "verify", limit=settings.VERIFY_RATE_LIMIT, window_seconds=settings.VERIFY_RATE_WINDOW_SECONDS
    )


def normalize_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch in CODE_ALPHABET)


def _too_many(request: HttpRequest) -> HttpResponse:
    # Refused because the counters cannot be kept (Redis down, portal/ratelimit.py): say so, as a 503.
    unavailable = getattr(request, "rate_limit_unavailable", False)
    response = render(
        request, "certificates/verify/too_many.html", {"unavailable": unavailable}, status=503 if unavailable else 429
    )
    response["Retry-After"] = str(settings.VERIFY_RATE_WINDOW_SECONDS)
    return response


@require_http_methods(["GET"])
def verify_form(request: HttpRequest) -> HttpResponse:
    code = normalize_code(request.GET.get("code", ""))
    if code:
        return redirect("verify", code=code)
    return render(request, "certificates/verify/form.html")


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, code: str) -> HttpResponse:
    if rate_limited(request):
        return _too_many(request)
    kept = VerificationPage(request, normalize_code(code)) if request.method == "GET" else None
    served = kept.served() if kept else None
    if served is not None:
        response, certificate_id = served
        record_verification(IssuedCertificate(pk=certificate_id), channel=VerificationChannel.PAGE, request=request)
        return response
    certificate = (
        # The community with its places up to the province: the page names them (one query instead of five).
        IssuedCertificate.objects.select_related(
            "entry__community__parent__parent__parent__parent", "entry__request", "revocation"
        )
        .filter(code=normalize_code(code))
        .first()
    )
    if certificate is None:
        notice = (
            RefusalNotice.objects.select_related("community", "item").filter(code=normalize_code(code)).first()
            if normalize_code(code)
            else None
        )
        if notice is not None:  # a numbered refusal notice carries a verification code too, and is signed likewise
            context = {"doc": RefusalNoticeDocument.numbered(notice)}
            if request.method == "POST":
                context |= _file_check(request, sha256=notice.sha256, registered_at=notice.created_at)
            return render(request, "certificates/verify/notice.html", context)
        return render(request, "certificates/verify/unknown.html", status=404)
    summary = summary_of(certificate)
    context = {
        "certificate": certificate,
        "entry": certificate.entry,
        "summary": summary,
        "validity": summary.status,
        "phone": certificate.entry.community.phone,
    }
    channel = VerificationChannel.FILE if request.method == "POST" else VerificationChannel.PAGE
    if request.GET.get("p"):  # opened from a scanned QR code: its signed payload is checked against the record too
        check = check_payload(request.GET["p"])
        context["payload_check"] = check
        context["payload_matches"] = bool(
            check.ok
            and check.fields.code == certificate.code
            and check.fields.number == certificate.entry.display_number
        )
        if request.method == "GET":
            channel = VerificationChannel.PAYLOAD
    record_verification(certificate, channel=channel, request=request)
    if request.method == "POST":
        context |= _file_check(request, sha256=certificate.sha256, registered_at=certificate.issued_at)
    response = render(request, "certificates/verify/result.html", context)
    if kept:
        kept.keep(response, certificate_id=certificate.pk, community_code=certificate.entry.community.code)
    return response


def _file_check(request: HttpRequest, *, sha256: str, registered_at) -> dict:
    """An uploaded PDF against a stored document (certificate or numbered refusal notice): byte for byte with the
    stored file, and its PAdES signature against the county CA (signed by us and unchanged / changed after signing /
    not signed by us). A notice from before notices were stored has no hash: only the signature is checked.

    A document stored before electronic signing began has no marker in its row; such a file is known by its bytes
    matching the stored hash while carrying no signature at all: the page then says it is the file we issued, from
    before signing, instead of "identical" followed by "no signature of this platform"."""
    upload = request.FILES.get("pdf")
    if upload is None:
        return {"check_error": _("请选择要核对的 PDF 文件。")}
    if upload.size > MAX_UPLOAD:
        return {"check_error": _("文件超过 5MB，不可能是本平台出具的文件。")}
    data = upload.read()
    same = bool(sha256) and hashlib.sha256(data).hexdigest() == sha256
    # The register's issue time is the trusted signing time of the very file we issued (pades.examine).
    signature = pades.examine_detail(data, registered_at=registered_at if same else None)
    return {
        "check_result": same if sha256 else None,
        "issued_before_signing": same and not signature.signed,
        "signature_status": signature.status.value,
        "key_revocation": signature.revocation,
    }


@require_http_methods(["GET"])
def verify_payload(request: HttpRequest) -> HttpResponse:
    """Check a QR payload by its signature alone, as an offline verifier does: no database lookup."""
    payload = request.GET.get("p", "")
    check = check_payload(payload) if payload else None
    recorded = False
    if check is not None and check.ok:
        if rate_limited(request):
            return _too_many(request)
        # The check needs no database; where one is reachable, as here, it is recorded for the holder to see.
        recorded = record_payload_check(check.fields, client=mask_client(client_address(request))) is not None
    context = {
        "payload": payload,
        "check": check,
        "recorded": recorded,
        "fingerprint": fingerprint(qr_signer().public_key_bytes()),
    }
    return render(request, "certificates/verify/payload.html", context)


@require_http_methods(["GET"])
def county_ca_crl(request: HttpRequest) -> HttpResponse:
    """The county CA's certificate revocation list (DER), for any validator (pyHanko, Adobe, a department's)."""
    try:
        data = pades.crl_der()
    except (FileNotFoundError, pades.KeyRefused):
        raise NotFound(_("本平台尚未配置区县CA，没有吊销列表。")) from None
    response = HttpResponse(data, content_type="application/pkix-crl")
    response["Cache-Control"] = "public, max-age=600"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_http_methods(["GET"])
def county_ca_certificate(request: HttpRequest) -> HttpResponse:
    """The county CA's certificate (PEM): the trust root against which certificates' signatures are checked."""
    path = pades.ca_paths()[1]
    if not path.exists():
        raise NotFound(_("本平台尚未配置区县CA。"))
    response = HttpResponse(path.read_bytes(), content_type="application/x-pem-file")
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    return response
