"""The catalog's policy rules, in one place. Model `clean()` methods and the services call these.

Sources: 民发〔2020〕20号 and the Shaanxi notice of 2021-02-23 (section 二(一): a committee seal may never back
a certificate carrying legal liability or economic joint liability; a community issues only items with a legal or
policy basis).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")

# Placeholders every certificate body may use besides the item's own fields.
STANDARD_PLACEHOLDERS: dict[str, str] = {
    "applicant_name": "张三",
    "applicant_gender": "男",
    "applicant_id_number": "610113199001011234",
    "community_name": "示例社区居民委员会",
    "purpose": "办理公证",
    "requesting_body": "西安市某公证处",
    # Filled from the community's record of the residents' deliberation (held after accepting the request).
    "deliberation_outcome": "2026年1月5日在社区议事厅召开，参会21人，同意19人",
}
DELIBERATION_WORDS = ("议事协商", "协商记录", "会议纪要", "会议记录")

MATERIAL_REQUIREMENTS: dict[str, str] = {
    "required": gettext_lazy("必需"),
    "optional": gettext_lazy("可选"),
    "commitment": gettext_lazy("可以告知承诺替代"),
}
FIELD_TYPES: dict[str, str] = {
    "text": gettext_lazy("文本"),
    "textarea": gettext_lazy("多行文本"),
    "date": gettext_lazy("日期"),
    "number": gettext_lazy("数字"),
}


def normalize_name(name: str) -> str:
    """Names compare after NFKC folding (full-width brackets, spaces) so that cosmetic variants collide."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name or ""))


def collect(*checks: Callable[[], None]) -> None:
    """Run every check and raise one ValidationError carrying all their messages, keyed by field."""
    errors: dict = {}
    for check in checks:
        try:
            check()
        except ValidationError as error:
            errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def check_no_liability(*, involves_liability: bool, texts: dict[str, str]) -> None:
    """texts: field name -> text, so that the message stands next to the field that holds the word.

    The officer's own declaration (`involves_liability`) is the rule; the liability guard (catalog/liability.py, its
    phrases maintained by provincial officers) catches a declaration that was forgotten or a reworded phrase.
    """
    from catalog.liability import ensure_no_liability

    if involves_liability:
        raise ValidationError(
            {
                "involves_liability": _(
                    "涉及承担法律责任或经济连带责任的证明不能列入可出具清单：社区居委会印章不能用于此类证明。"
                )
            }
        )
    ensure_no_liability(texts)


def check_legal_bases(bases: list[dict[str, Any]]) -> None:
    if not bases:
        raise ValidationError({"legal_bases": _("可出具的证明事项至少要有一项法律法规或政策依据。")})
    for basis in bases:
        if not (basis.get("title") or "").strip():
            raise ValidationError({"legal_bases": _("每项依据都要写明文件名称。")})


def check_fields_and_body(fields: list[dict[str, Any]], body: str) -> None:
    names = [f.get("name", "") for f in fields]
    for name in names:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name or ""):
            raise ValidationError(
                _("字段代码“%(name)s”只能用小写英文字母、数字和下划线，并以字母开头。") % {"name": name}
            )
        if name in STANDARD_PLACEHOLDERS:
            raise ValidationError(_("字段代码“%(name)s”与系统字段重名。") % {"name": name})
    if len(set(names)) != len(names):
        raise ValidationError(_("字段代码不能重复。"))
    known = set(names) | set(STANDARD_PLACEHOLDERS)
    unknown = sorted(set(PLACEHOLDER.findall(body or "")) - known)
    if unknown:
        raise ValidationError(
            {
                "body_template": _("证明正文中的占位符 %(names)s 没有对应的填写字段。")
                % {"names": "、".join(f"{{{n}}}" for n in unknown)}
            }
        )


def check_deliberation_not_asked(*, requires_deliberation: bool, materials: list[dict[str, Any]]) -> None:
    """The community holds the residents' deliberation after accepting the request (陕西通知二（一）): the resident
    is never asked to bring its minutes, nor to state its outcome."""
    if not requires_deliberation:
        return
    asked = [m.get("name", "") for m in materials if any(word in m.get("name", "") for word in DELIBERATION_WORDS)]
    if asked:
        raise ValidationError(
            {
                "materials": _(
                    "需要居民议事协商的事项由社区在受理后组织议事协商，不能要求申请人提交“%(names)s”；"
                    "协商结果可用占位符 {deliberation_outcome} 写入证明正文。"
                )
                % {"names": "、".join(asked)}
            }
        )


def render_body(body: str, values: dict[str, str]) -> str:
    """Fill {placeholders} with values; an unknown placeholder stays visible rather than vanishing."""
    return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), body or "")


def sample_values(fields: list[dict[str, Any]]) -> dict[str, str]:
    values = dict(STANDARD_PLACEHOLDERS)
    for field in fields:
        values[field["name"]] = field.get("example") or field.get("label") or field["name"]
    return values


def regions_overlap(prefix_a: str, prefix_b: str) -> bool:
    """Two catalog scopes overlap when one place lies within the other (national items have the empty prefix)."""
    return prefix_a.startswith(prefix_b) or prefix_b.startswith(prefix_a)


# --- The vocabulary (concepts) and publishing rules that use the name resolver -----------------------------------


def check_concept_lists(names: list[str], keywords: list[str], codes: list[str]) -> None:
    from catalog.textnorm import validate_pattern

    for name in names:
        if not re.sub(r"[\W_]+", "", name or ""):
            raise ValidationError({"names": _("叫法不能只有标点或空格。")})
    for keyword in keywords:
        try:
            validate_pattern(keyword)
        except ValidationError as error:
            raise ValidationError({"body_keywords": [f"“{keyword}”：{m}" for m in error.messages]}) from None
    for code in codes:
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", code or ""):
            raise ValidationError({"item_codes": _("事项编码“%(code)s”格式不对。") % {"code": code}})


def item_place(item) -> str:
    return item.region.name if item.region_id else _("全国")


def refusal_message(name: str, item, *, via: str = "") -> str:
    """Why an issuable item cannot carry this name or body, naming the non-issuable item and where residents go."""
    message = _(
        "“%(name)s”就是%(place)s不予出具清单中的“%(item)s”（%(code)s），社区不能出具，不能列入可出具清单。"
        "群众应到：%(department)s；办理途径：%(channel)s。"
    ) % {
        "name": name,
        "place": item_place(item),
        "item": item.name,
        "code": item.code,
        "department": item.alternative_department,
        "channel": item.alternative_channel,
    }
    if via:
        message += _("（依据证明概念“%(concept)s”判断）") % {"concept": via}
    return message


def check_not_non_issuable(*, name: str, resolution) -> None:
    """An exact or concept match with a non-issuable item of the same or a higher level blocks publishing."""
    if resolution.kind == "match" and resolution.non_issuable:
        raise ValidationError({"name": refusal_message(name, resolution.non_issuable[0], via=resolution.concept)})


def check_body_concepts(hits: list) -> None:
    """hits: (keyword found, non-issuable item) pairs from the resolver's body check."""
    if hits:
        keyword, item = hits[0]
        raise ValidationError(
            {
                "body_template": _(
                    "证明正文含有“%(keyword)s”，证明的是不予出具事项“%(item)s”（%(code)s，%(place)s）的内容，"
                    "社区不能出具。群众应到：%(department)s。"
                )
                % {
                    "keyword": keyword,
                    "item": item.name,
                    "code": item.code,
                    "place": item_place(item),
                    "department": item.alternative_department,
                }
            }
        )


def check_bases_confirmed(item) -> None:
    """An item whose basis (or, for a non-issuable item, whose referral) is flagged unconfirmed waits for the county's
    recorded confirmation before it is published."""
    if getattr(item, "legal_bases", None) is not None:
        if any(basis.get("needs_confirmation") for basis in item.legal_bases):
            raise ValidationError(
                {"legal_bases": _("有依据标注为需要核实，须由区县民政干部点击“确认依据”记录核实后才能发布。")}
            )
    elif getattr(item, "needs_confirmation", False):
        raise ValidationError(
            {"needs_confirmation": _("办理途径标注为需要核实，须由区县民政干部点击“确认依据”记录核实后才能发布。")}
        )
