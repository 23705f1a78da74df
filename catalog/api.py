"""The public catalog of a community through the API (公开公示): both lists, each issuable item with its legal bases,
materials and time limit, each non-issuable item with where to go instead. No key; rate-limited per address.

The same reads as the public pages (catalog/selectors.py): only items in force for that community.
"""

from __future__ import annotations

import re

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from catalog import selectors
from catalog.models import IssuableItem, NonIssuableItem
from portal.api import PUBLIC_ERRORS, ApiView, error_responses
from portal.models import Region

CODE_RE = re.compile(r"\d{12}")


class LegalBasisOut(serializers.Serializer):
    title = serializers.CharField(help_text="文件名称")
    issuer = serializers.CharField(allow_blank=True, help_text="制定机关")
    number = serializers.CharField(allow_blank=True, help_text="文号")
    article = serializers.CharField(allow_blank=True, help_text="条款")
    effective_date = serializers.CharField(allow_blank=True, help_text="生效日期（YYYY-MM-DD，可为空）")
    needs_confirmation = serializers.BooleanField(help_text="来源待区县核实")


class MaterialOut(serializers.Serializer):
    name = serializers.CharField()
    requirement = serializers.CharField(help_text="required 必需 · optional 可选 · commitment 可告知承诺替代")


class IssuableOut(serializers.Serializer):
    code = serializers.CharField(help_text="事项编码，部门核验时用它指明事项")
    name = serializers.CharField()
    scope = serializers.CharField(help_text="national · province · city · county")
    legal_bases = LegalBasisOut(many=True)
    purposes = serializers.ListField(child=serializers.CharField())
    materials = MaterialOut(many=True)
    time_limit_workdays = serializers.IntegerField(help_text="出具时限（工作日），0 为当场办结")
    validity_months = serializers.IntegerField(allow_null=True, help_text="证明有效期（月），null 为不设")
    requires_deliberation = serializers.BooleanField()


class NonIssuableOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    scope = serializers.CharField()
    alternative_department = serializers.CharField(help_text="办理部门")
    alternative_channel = serializers.CharField(help_text="办事途径")
    exception = serializers.CharField(allow_blank=True, help_text="例外情形")
    legal_basis = serializers.CharField(allow_blank=True)
    needs_confirmation = serializers.BooleanField(help_text="办理途径待区县核实")


class CommunityOut(serializers.Serializer):
    code = serializers.CharField(help_text="12位统计用区划代码")
    name = serializers.CharField()
    full_name = serializers.CharField()
    kind = serializers.CharField(help_text="residents_committee · villagers_committee")


class CatalogOut(serializers.Serializer):
    community = CommunityOut()
    issuable = IssuableOut(many=True)
    non_issuable = NonIssuableOut(many=True)


def _s(value) -> str:
    return "" if value is None else str(value)


def issuable_out(item: IssuableItem) -> dict:
    bases = [b for b in item.legal_bases if isinstance(b, dict)]
    materials = [m for m in item.materials if isinstance(m, dict)]
    return {
        "code": item.code,
        "name": item.name,
        "scope": item.scope,
        "legal_bases": [
            {
                **{k: _s(b.get(k)) for k in ("title", "issuer", "number", "article", "effective_date")},
                "needs_confirmation": bool(b.get("needs_confirmation")),
            }
            for b in bases
        ],
        "purposes": [_s(p) for p in item.purposes if p],
        "materials": [{"name": _s(m.get("name")), "requirement": _s(m.get("requirement"))} for m in materials],
        "time_limit_workdays": item.time_limit_workdays,
        "validity_months": item.validity_months,
        "requires_deliberation": item.requires_deliberation,
    }


def non_issuable_out(item: NonIssuableItem) -> dict:
    return {
        "code": item.code,
        "name": item.name,
        "scope": item.scope,
        "alternative_department": item.alternative_department,
        "alternative_channel": item.alternative_channel,
        "exception": item.exception,
        "legal_basis": item.legal_basis,
        "needs_confirmation": item.needs_confirmation,
    }


def community_out(community: Region) -> dict:
    return {
        "code": community.code,
        "name": community.name,
        "full_name": community.full_name(),
        "kind": community.community_kind,
    }


class CommunityCatalogView(ApiView):
    throttle_scope = "catalog"

    @extend_schema(
        operation_id="community_catalog",
        summary="社区（村）的证明事项清单",
        description="该社区现行有效的可出具证明事项清单（含依据、材料、时限）和不予出具证明事项清单（含办理部门和途径）。",
        auth=[],
        parameters=[
            OpenApiParameter(
                "code",
                str,
                OpenApiParameter.PATH,
                description="社区（村）的12位统计用区划代码",
                examples=[OpenApiExample("育才路社区", value="610113001001")],
            )
        ],
        responses={
            200: CatalogOut,
            **error_responses(*PUBLIC_ERRORS),
            404: OpenApiResponse(error_responses(404)[404].response, description="没有这个社区（村）"),
        },
        tags=["公开"],
    )
    def get(self, request, code: str):
        community = selectors.public_community(code) if CODE_RE.fullmatch(code) else None
        if community is None:
            raise exceptions.NotFound()
        body = {
            "community": community_out(community),
            "issuable": [issuable_out(i) for i in selectors.effective_issuable_items(community)],
            "non_issuable": [non_issuable_out(i) for i in selectors.effective_non_issuable_items(community)],
        }
        return Response(CatalogOut(body).data)
