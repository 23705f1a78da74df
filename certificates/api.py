"""Certificate endpoints of the API: public verification by code, and the checks that replace certificates
(数据共享核验) for departments holding a key.

A department sends the ID number it already holds, with the purpose and its basis. The answer is yes or no with the
certificate's status — never a name, never another field of the person. Asking does not reveal whether a
certificate exists for someone else: a certificate of another person, of another matter or unknown are all
`no_match`. The ID number is not hashed on the way: a hash of a number from so small a space protects nothing;
TLS protects it in transit, the audit (masked) records who asked and why.

A key reaches only certificates of communities in the region that issued it.
"""

from __future__ import annotations

from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from catalog.models import IssuableItem
from catalog.resolver import resolve
from catalog.selectors import public_community
from certificates.issuance import Validity, validity_of
from certificates.models import IssuedCertificate, RequestingBasis, RequestingBody
from certificates.views.verify import normalize_code
from portal.api import KEYED_ERRORS, PUBLIC_ERRORS, ApiView, Input, PatternField, TextField, error_responses
from portal.apikeys import audit_subject
from portal.idcard import normalize_id_number, validate_id_number
from portal.models import ApiKey, ApiScope, Region
from portal.regions import Level

TWELVE_DIGITS = gettext_lazy("应为12位统计用区划代码（数字）。")
NO_MATCH = "no_match"
NONE = "none"
# Which status a holder check reports when a person holds several certificates of the concept.
_RANK = {Validity.VALID: 0, Validity.EXPIRED: 1, Validity.REVOKED: 2}


# --- public verification by code ---------------------------------------------------------------------------------


class VerificationOut(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[v.value for v in Validity], help_text="valid 有效 · revoked 已撤销 · expired 已过期"
    )
    number = serializers.CharField(help_text="登记编号")
    matter_name = serializers.CharField(help_text="证明事项")
    community_code = serializers.CharField()
    community_name = serializers.CharField()
    issued_at = serializers.DateTimeField()
    valid_until = serializers.DateField(allow_null=True)


class VerificationView(ApiView):
    throttle_scope = "verify"

    def public_rate(self) -> tuple[int, int]:
        from django.conf import settings

        return settings.VERIFY_RATE_LIMIT, settings.VERIFY_RATE_WINDOW_SECONDS

    @extend_schema(
        operation_id="certificate_verification",
        summary="按核验码核验证明",
        description="证明上印的核验码（可带连字符）。只返回证明的状态和登记信息，不返回持证人的个人信息。",
        auth=[],
        responses={200: VerificationOut, **error_responses(*PUBLIC_ERRORS)},
        tags=["公开"],
    )
    def get(self, request, code: str):
        certificate = (
            IssuedCertificate.objects.select_related("entry__community").filter(code=normalize_code(code)[:40]).first()
        )
        if certificate is None:
            raise exceptions.NotFound()
        entry = certificate.entry
        return Response(
            VerificationOut(
                {
                    "status": validity_of(certificate).value,
                    "number": entry.display_number,
                    "matter_name": entry.matter_name,
                    "community_code": entry.community.code,
                    "community_name": entry.community.name,
                    "issued_at": certificate.issued_at,
                    "valid_until": certificate.valid_until,
                }
            ).data
        )


# --- keyed checks --------------------------------------------------------------------------------------------------


class _CheckIn(Input):
    concept_code = TextField(
        required=False, max_length=32, help_text="可出具证明事项的编码，如 610113-ZM01（与 concept_name 二选一）"
    )
    concept_name = TextField(
        required=False, max_length=120, help_text="证明事项名称，由平台的名称解析确定事项（与 concept_code 二选一）"
    )
    id_number = PatternField(
        r"^\d{17}[\dXx]$",
        help_text="部门已掌握的公民身份号码（18位，原样发送，不作散列）",
        error_messages={"invalid": gettext_lazy("公民身份号码应为18位，前17位为数字，最后一位为数字或X。")},
    )
    purpose = TextField(max_length=200, help_text="本次核验的用途")
    basis = TextField(
        required=False,
        max_length=300,
        help_text="本次核验的依据（法律法规或政策文件）；区县登记簿已登记本部门对该事项的依据时可不填，按登记的依据记录",
    )

    def validate_id_number(self, value: str) -> str:
        value = normalize_id_number(value)
        try:
            validate_id_number(value)
        except Exception as error:  # django.core.exceptions.ValidationError
            raise serializers.ValidationError(list(getattr(error, "messages", [str(error)]))) from None
        return value

    def validate(self, attrs: dict) -> dict:
        if not attrs.get("concept_code") and not attrs.get("concept_name"):
            raise serializers.ValidationError(
                {"concept_code": _("请用事项编码（concept_code）或事项名称（concept_name）指明要核验的证明事项。")}
            )
        return attrs


class CertificateCheckIn(_CheckIn):
    community_code = PatternField(
        r"^\d{12}$", help_text="出具证明的社区（村）的12位区划代码", error_messages={"invalid": TWELVE_DIGITS}
    )
    certificate = TextField(max_length=60, help_text="证明的登记编号或核验码")


class HolderCheckIn(_CheckIn):
    community_code = PatternField(
        r"^\d{12}$",
        required=False,
        help_text="只查该社区（村）出具的证明（可不填）",
        error_messages={"invalid": TWELVE_DIGITS},
    )


class CertificateCheckOut(serializers.Serializer):
    result = serializers.BooleanField(help_text="是：该证明有效，证明该事项，且持证人是此身份证号码的本人")
    status = serializers.ChoiceField(
        choices=[Validity.VALID.value, Validity.REVOKED.value, Validity.EXPIRED.value, NO_MATCH],
        help_text="valid 有效 · revoked 已撤销 · expired 已过期 · no_match 没有相符的证明",
    )


class HolderCheckOut(serializers.Serializer):
    result = serializers.BooleanField(help_text="是：此人持有该事项的有效证明")
    status = serializers.ChoiceField(
        choices=[Validity.VALID.value, Validity.REVOKED.value, Validity.EXPIRED.value, NONE],
        help_text="持有的该事项证明中最有利的状态；none 为没有",
    )
    valid_until = serializers.DateField(allow_null=True, help_text="有效证明的有效期（不设有效期为 null）")


def _field_error(field: str, message: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({field: [message]})


def _community_in_reach(key: ApiKey, code: str) -> Region:
    community = public_community(code)
    if community is None:
        raise _field_error("community_code", _("没有这个社区（村）。"))
    if not community.code.startswith(key.region.prefix):
        raise _field_error("community_code", _("该社区（村）不在本密钥发放地方的范围内。"))
    return community


def concept_codes(data: dict, community: Region | None) -> tuple[str, list[str]]:
    """The concept asked about, as (a label for the audit, the issuable item codes that certify it)."""
    code = (data.get("concept_code") or "").strip()
    if code:
        if not IssuableItem.objects.filter(code=code).exists():
            raise _field_error("concept_code", _("没有这个可出具证明事项编码。"))
        return code, [code]
    name = data["concept_name"].strip()
    resolution = resolve(name, region=community)
    codes = sorted({item.code for item in resolution.issuable})
    if codes:
        return resolution.concept or name, codes
    if resolution.non_issuable:
        item = resolution.non_issuable[0]
        raise _field_error(
            "concept_name",
            _("“%(name)s”属于不予出具证明事项，社区（村）不出具此类证明，请向%(department)s核实。")
            % {"name": item.name, "department": item.alternative_department},
        )
    raise _field_error("concept_name", _("没有找到与该名称对应的可出具证明事项，请改用事项编码。"))


def stated_basis(key: ApiKey, data: dict, codes: list[str]) -> str:
    """The basis the department states: as sent, or, when left out, the one the county's registry of requesting
    bodies holds for this department and item (陕西通知: a department that asks must state its basis)."""
    sent = (data.get("basis") or "").strip()
    if sent:
        return sent
    registered = (
        RequestingBasis.objects.filter(
            body__name=key.department.strip(),
            body__county__code__startswith=key.region.prefix,
            body__active=True,
            item__code__in=codes,
            active=True,
        )
        .order_by("pk")
        .values_list("basis", flat=True)
        .first()
    )
    if registered:
        return registered
    raise _field_error("basis", _("区县登记簿中没有本部门对该事项的依据，请写明本次核验的法律法规或政策依据。"))


def _reachable(key: ApiKey):
    return IssuedCertificate.objects.filter(entry__community__code__startswith=key.region.prefix)


class CertificateCheckView(ApiView):
    required_scope = ApiScope.CHECK_CERTIFICATE

    @extend_schema(
        operation_id="check_certificate",
        summary="核验某份证明：是否有效、是否证明该事项、是否此人",
        description=(
            "部门提交已掌握的身份证号码、用途和依据。只回答是或否及证明状态，不返回任何个人信息；"
            "证明不存在、属于他人或证明的是其他事项，一律回答 no_match。每次调用都留有记录。"
        ),
        request=CertificateCheckIn,
        examples=[
            OpenApiExample(
                "公证处核验亲属关系证明",
                request_only=True,
                value={
                    "community_code": "610113001001",
                    "certificate": "证〔2026〕1号",
                    "concept_code": "610113-ZM01",
                    "id_number": "61011319850505001X",
                    "purpose": "办理亲属关系公证",
                    "basis": "中华人民共和国公证法第十一条",
                },
            )
        ],
        responses={200: CertificateCheckOut, **error_responses(*KEYED_ERRORS)},
        tags=["部门核验"],
    )
    def post(self, request):
        data = CertificateCheckIn(data=request.data)
        data.is_valid(raise_exception=True)
        data = data.validated_data
        self.audit = {"purpose": data["purpose"], "basis": data.get("basis", "")}
        community = _community_in_reach(request.auth, data["community_code"])
        label, codes = concept_codes(data, community)
        self.audit["basis"] = stated_basis(request.auth, data, codes)
        wanted = data["certificate"].strip()
        certificate = (
            _reachable(request.auth)
            .filter(entry__community=community)
            .filter(Q(code=normalize_code(wanted)[:40]) | Q(entry__display_number=wanted))
            .select_related("entry__request__item")
            .first()
        )
        status = NO_MATCH
        if (
            certificate is not None
            and certificate.entry.applicant_id_number == data["id_number"]
            and certificate.entry.request.item_id is not None
            and certificate.entry.request.item.code in codes
        ):
            status = validity_of(certificate).value
        self.audit.update(
            subject=audit_subject(id_number=data["id_number"], concept=label, certificate=wanted), result=status
        )
        return Response({"result": status == Validity.VALID, "status": status})


class HolderCheckView(ApiView):
    required_scope = ApiScope.CHECK_HOLDER

    @extend_schema(
        operation_id="check_holder",
        summary="查询居民是否持有某事项的有效证明",
        description=(
            "部门提交已掌握的身份证号码、事项、用途和依据。只回答是或否、状态和有效期，不返回任何个人信息。"
            "每次调用都留有记录。"
        ),
        request=HolderCheckIn,
        examples=[
            OpenApiExample(
                "公证处查询是否持有亲属关系证明",
                request_only=True,
                value={
                    "concept_code": "610113-ZM01",
                    "id_number": "61011319850505001X",
                    "purpose": "办理亲属关系公证",
                    "basis": "中华人民共和国公证法第十一条",
                },
            )
        ],
        responses={200: HolderCheckOut, **error_responses(*KEYED_ERRORS)},
        tags=["部门核验"],
    )
    def post(self, request):
        data = HolderCheckIn(data=request.data)
        data.is_valid(raise_exception=True)
        data = data.validated_data
        self.audit = {"purpose": data["purpose"], "basis": data.get("basis", "")}
        community = _community_in_reach(request.auth, data["community_code"]) if data.get("community_code") else None
        label, codes = concept_codes(data, community)
        self.audit["basis"] = stated_basis(request.auth, data, codes)
        certificates = _reachable(request.auth).filter(
            entry__applicant_id_number=data["id_number"], entry__request__item__code__in=codes
        )
        if community is not None:
            certificates = certificates.filter(entry__community=community)
        best = None
        for certificate in certificates.select_related("revocation")[:50]:
            validity = validity_of(certificate)
            rank = (_RANK[validity], -(certificate.valid_until.toordinal() if certificate.valid_until else 10**7))
            if best is None or rank < best[0]:
                best = (rank, validity, certificate)
        status = best[1].value if best else NONE
        valid_until = best[2].valid_until if best and best[1] == Validity.VALID else None
        self.audit.update(subject=audit_subject(id_number=data["id_number"], concept=label), result=status)
        return Response(
            HolderCheckOut({"result": status == Validity.VALID, "status": status, "valid_until": valid_until}).data
        )


# --- the requesting-body registry (要求出具证明的单位及其依据) ---------------------------------------------------------


class RegisteredBasisOut(serializers.Serializer):
    item_code = serializers.CharField(help_text="可出具证明事项编码")
    item_name = serializers.CharField()
    basis = serializers.CharField(help_text="该单位要求出具此项证明的依据")


class RequestingBodyOut(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.CharField(help_text="department 政府部门 · bank 金融机构 · school 学校 · other 其他")
    bases = RegisteredBasisOut(many=True)


class RegistryOut(serializers.Serializer):
    county_code = serializers.CharField()
    county_name = serializers.CharField()
    bodies = RequestingBodyOut(many=True)


class RequestingBodiesView(ApiView):
    """The county's registry of bodies that ask residents for certificates, with the basis each states per item.
    Public, like the catalogs: which department asks for what, and on which basis, is published information."""

    throttle_scope = "catalog"

    @extend_schema(
        operation_id="requesting_bodies",
        summary="区县登记的要求出具证明的单位及其依据",
        auth=[],
        responses={200: RegistryOut, **error_responses(*PUBLIC_ERRORS), 404: error_responses(404)[404]},
        tags=["公开"],
    )
    def get(self, request, code: str):
        county = Region.objects.filter(code=code, level=Level.COUNTY).first() if code.isdigit() else None
        if county is None:
            raise exceptions.NotFound()
        bodies = (
            RequestingBody.objects.filter(county=county, active=True)
            .order_by("name", "pk")
            .prefetch_related(
                Prefetch(
                    "bases",
                    queryset=RequestingBasis.objects.filter(active=True).select_related("item").order_by("pk"),
                    to_attr="active_bases",
                )
            )
        )
        body = {
            "county_code": county.code,
            "county_name": county.name,
            "bodies": [
                {
                    "name": b.name,
                    "kind": b.kind,
                    "bases": [
                        {"item_code": x.item.code, "item_name": x.item.name, "basis": x.basis} for x in b.active_bases
                    ],
                }
                for b in bodies
            ],
        }
        return Response(RegistryOut(body).data)
