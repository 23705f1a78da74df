"""The versioned REST API (/api/v1/): the base view every endpoint uses, JSON errors with stable codes and Chinese
messages, and the endpoints that belong to the portal itself (a key's own audit; the schema and its document page).

Errors are always `{"code": "...", "message": "...", "fields": {...}}`; the codes are stable (clients branch on
them), the messages are Chinese (translated only when the client chose English on the site):

    invalid (400, with `fields`) · parse_error (400) · not_authenticated / key_invalid / key_revoked (401) ·
    scope_missing (403) · not_found (404) · method_not_allowed (405) · not_acceptable (406) ·
    unsupported_media_type (415) · rate_limited (429)

Endpoints of the domain apps live with their data (catalog/api.py, certificates/api.py) and subclass `ApiView`.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.apikeys import ApiKeyAuthentication, ApiRateThrottle, HasScope, record_call
from portal.models import ApiCall, ApiKey, ApiScope

AUDIT_PAGE_SIZE = 100

_MESSAGES = {
    "invalid": lambda: _("提交的内容有误，请按字段说明修改。"),
    "parse_error": lambda: _("请求内容不是有效的 JSON。"),
    "not_authenticated": lambda: _("该接口需要部门接口密钥。"),
    "key_invalid": lambda: _("接口密钥无效。"),
    "key_revoked": lambda: _("该接口密钥已被撤销。"),
    "scope_missing": lambda: _("该接口密钥没有此项权限。"),
    "not_found": lambda: _("没有找到。"),
    "method_not_allowed": lambda: _("该接口不支持这种请求方法。"),
    "not_acceptable": lambda: _("无法按要求的格式回答，本接口只返回 JSON。"),
    "unsupported_media_type": lambda: _("请以 application/json 提交。"),
    "rate_limited": lambda: _("调用过于频繁，请稍后再试。"),
}
_CODES = [
    (exceptions.ValidationError, "invalid"),
    (exceptions.ParseError, "parse_error"),
    (exceptions.NotAuthenticated, "not_authenticated"),
    (exceptions.NotFound, "not_found"),
    (exceptions.MethodNotAllowed, "method_not_allowed"),
    (exceptions.NotAcceptable, "not_acceptable"),
    (exceptions.UnsupportedMediaType, "unsupported_media_type"),
    (exceptions.Throttled, "rate_limited"),
]


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"field": ["message", ...]}, nested fields joined with dots."""
    if isinstance(detail, dict):
        result: dict[str, list[str]] = {}
        for name, value in detail.items():
            result.update(_flatten(value, f"{prefix}.{name}" if prefix else str(name)))
        return result
    if isinstance(detail, list) and detail and not all(isinstance(d, str | ErrorDetail) for d in detail):
        result = {}
        for index, value in enumerate(detail):
            result.update(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
        return result
    messages = detail if isinstance(detail, list) else [detail]
    return {prefix or "non_field_errors": [str(m) for m in messages]}


def error_body(code: str, message: str | None = None, fields: dict | None = None) -> dict:
    body = {"code": code, "message": message or _MESSAGES[code]()}
    if fields:
        body["fields"] = fields
    return body


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every error as one JSON shape with a stable code. Anything else propagates (a bug
    is a 500 for the logs, never a disguised 400)."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if not isinstance(exc, exceptions.APIException):
        return None
    if isinstance(exc, exceptions.AuthenticationFailed):  # a key was sent: invalid or revoked (portal/apikeys.py)
        body = error_body(exc.default_code if exc.default_code in ("key_invalid", "key_revoked") else "key_invalid")
    elif isinstance(exc, exceptions.PermissionDenied):  # the only refusal after authentication: a missing scope
        body = error_body("scope_missing")
    else:
        code = next((c for cls, c in _CODES if isinstance(exc, cls)), "invalid")
        fields = _flatten(exc.detail) if isinstance(exc, exceptions.ValidationError) else None
        body = error_body(code, fields=fields)
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    return Response(body, status=exc.status_code, headers=headers)


# Input messages in Chinese (DRF's own catalog is not installed, see settings.INSTALLED_APPS). DRF fills the braces.
FIELD_ERRORS = {
    "required": gettext_lazy("必须填写。"),
    "null": gettext_lazy("不能为空。"),
    "blank": gettext_lazy("不能为空。"),
    "invalid": gettext_lazy("格式不正确。"),
    "max_length": gettext_lazy("最多 {max_length} 个字符。"),
    "min_length": gettext_lazy("至少 {min_length} 个字符。"),
    "max_value": gettext_lazy("不能大于 {max_value}。"),
    "min_value": gettext_lazy("不能小于 {min_value}。"),
    "max_string_length": gettext_lazy("数字太大。"),
    "invalid_type": gettext_lazy("应为文字（字符串）。"),
}


class Input(serializers.Serializer):
    """Base of the API's input serializers: a body that is not a JSON object is said so in Chinese."""

    default_error_messages = {"invalid": gettext_lazy("请提交一个 JSON 对象。")}


class Number(serializers.IntegerField):
    default_error_messages = FIELD_ERRORS | {"invalid": gettext_lazy("应为整数。")}


class StrictStringMixin:
    """DRF's CharField turns 12 or true into "12" / "True"; the schema says string, so anything else is refused."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_type")
        return super().to_internal_value(data)


class TextField(StrictStringMixin, serializers.CharField):
    default_error_messages = FIELD_ERRORS


class PatternField(StrictStringMixin, serializers.RegexField):
    default_error_messages = FIELD_ERRORS


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="稳定的错误代码，如 invalid、key_revoked、scope_missing、rate_limited")
    message = serializers.CharField(help_text="中文说明")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="出错的字段及其说明（仅 invalid）",
    )


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    descriptions = {
        400: "输入有误（invalid / parse_error）",
        401: "缺少或无效的接口密钥",
        403: "密钥没有此项权限",
        404: "没有找到",
        405: "不支持的请求方法",
        406: "只返回 JSON",
        415: "请以 application/json 提交",
        429: "调用过于频繁",
    }
    return {s: OpenApiResponse(ErrorSerializer, description=descriptions[s]) for s in statuses}


PUBLIC_ERRORS = (400, 404, 405, 406, 429)
KEYED_ERRORS = (400, 401, 403, 404, 405, 406, 415, 429)


class ApiView(APIView):
    """Base of every API endpoint. `required_scope` None means public (rate-limited per client address);
    otherwise the call needs a key with that scope, is counted against the key's rate limit and audited.
    A view puts what the audit should say (purpose, basis, subject, result) in `self.audit`."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasScope]
    throttle_classes = [ApiRateThrottle]
    required_scope: str | None = None
    throttle_scope = "public"
    query_parameters: tuple[str, ...] = ()

    def public_rate(self) -> tuple[int, int]:
        return settings.API_PUBLIC_RATE_LIMIT, settings.API_PUBLIC_RATE_WINDOW_SECONDS

    def initial(self, request, *args, **kwargs):
        self.audit = {}
        # An unsupported method is a 405 before anything else (not a 401 that hides what the URL accepts).
        if request.method.lower() not in self.http_method_names or not hasattr(self, request.method.lower()):
            raise exceptions.MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)
        # A query parameter the operation does not know is a mistake to report, not to ignore silently.
        unknown = sorted(set(request.query_params) - set(self.query_parameters) - {"format"})
        if unknown:
            raise exceptions.ValidationError({name: [_("该接口没有这个查询参数。")] for name in unknown[:10]})

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Every call made with a key is audited, public endpoints included (record_call skips calls without one).
        if isinstance(request.auth, ApiKey) or getattr(request._request, "api_key_refused", None) is not None:
            audit = dict(getattr(self, "audit", {}))
            if "purpose" not in audit:  # refused before the view read the body: keep what the department said
                try:
                    data = request.data if request.method == "POST" else {}
                except exceptions.APIException:
                    data = {}
                if isinstance(data, dict):
                    audit.setdefault("purpose", data.get("purpose"))
                    audit.setdefault("basis", data.get("basis"))
            record_call(request, response, operation=type(self).__name__, audit=audit)
        return response


# --- the portal's own endpoint: a key reads its own calls ---------------------------------------------------------


class ApiCallSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiCall
        fields = ["at", "method", "path", "operation", "status_code", "purpose", "basis", "subject", "result"]


class AuditQuery(Input):
    before = Number(required=False, min_value=1, max_value=2**62, help_text="只返回编号小于此值的记录（翻页）")


class AuditPage(serializers.Serializer):
    calls = ApiCallSerializer(many=True)
    next_before = serializers.IntegerField(allow_null=True, help_text="下一页的 before 参数；没有更多时为 null")


class OwnAuditView(ApiView):
    """The calls made with this very key, newest first. A key never sees another key's calls."""

    required_scope = ApiScope.READ_AUDIT
    query_parameters = ("before",)

    @extend_schema(
        operation_id="audit_own_calls",
        summary="本密钥的调用记录",
        parameters=[AuditQuery],
        responses={200: AuditPage, **error_responses(*KEYED_ERRORS)},
        tags=["审计"],
    )
    def get(self, request):
        query = AuditQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        calls = ApiCall.objects.filter(key=request.auth).order_by("-pk")
        if "before" in query.validated_data:
            calls = calls.filter(pk__lt=query.validated_data["before"])
        page = list(calls.values("pk", *ApiCallSerializer.Meta.fields)[:AUDIT_PAGE_SIZE])
        self.audit = {"purpose": _("查阅本密钥的调用记录"), "result": str(len(page))}
        next_before = page[-1]["pk"] if len(page) == AUDIT_PAGE_SIZE else None
        return Response({"calls": ApiCallSerializer(page, many=True).data, "next_before": next_before})
