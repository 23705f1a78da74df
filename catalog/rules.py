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

from portal.terms import in_words_of

PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")
# An optional sentence: [[，配偶：{spouse_name}]] prints "，配偶：王五" when every field inside is filled, and
# nothing at all when one of them is empty. An optional field may only be used inside one.
OPTIONAL = re.compile(r"\[\[(.*?)\]\]", re.DOTALL)
ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")

# Placeholders every certificate body may use besides the item's own fields.
STANDARD_PLACEHOLDERS: dict[str, str] = {
    "applicant_name": "张三",
    "applicant_gender": "男",
    "applicant_id_number": "610113199001011234",
    "community_name": "示例社区居民委员会",
    "purpose": "办理有关事项",
    "requesting_body": "要求出具证明的单位",
    # Filled from the community's record of the residents' deliberation (held after accepting the request).
    "deliberation_outcome": "2026年1月5日在社区议事厅召开，参会21人，同意19人",
}
DELIBERATION_WORDS = ("议事协商", "协商记录", "会议纪要", "会议记录")
# What officers see and type for the standard placeholders: {申请人姓名} in the form is {applicant_name} in storage.
STANDARD_LABELS: dict[str, str] = {
    "applicant_name": gettext_lazy("申请人姓名"),
    "applicant_gender": gettext_lazy("性别"),
    "applicant_id_number": gettext_lazy("公民身份号码"),
    "community_name": gettext_lazy("社区名称"),
    "purpose": gettext_lazy("用途"),
    "requesting_body": gettext_lazy("要求出具的单位"),
    "deliberation_outcome": gettext_lazy("议事协商结果"),
}
# Any {…} an officer may type: a code ({school_name}) or a label ({学校名称}).
ANY_PLACEHOLDER = re.compile(r"\{([^{}\[\]\n]{1,60})\}")
GENERATED_CODE = re.compile(r"f(\d+)")

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
    check_optional_sentences(fields, body or "")
    known = set(names) | set(STANDARD_PLACEHOLDERS)
    unknown = sorted({m.strip() for m in ANY_PLACEHOLDER.findall(body or "")} - known)
    if unknown:
        raise ValidationError(
            {
                "body_template": _("证明正文中的占位符 %(names)s 没有对应的填写字段。")
                % {"names": "、".join(f"{{{n}}}" for n in unknown)}
            }
        )


def assign_field_codes(fields: list[dict[str, Any]], *, used: set[str] = frozenset()) -> list[dict[str, Any]]:
    """Officers name a field by its Chinese label only; its code is derived here: f1, f2, … after the highest one the
    item ever used (`used`: its stored codes), so a code is never reused for another field. A field that has a code
    keeps it forever: body templates and residents' requests refer to it."""
    taken = {f.get("name") for f in fields if f.get("name")} | set(used)
    highest = max((int(m.group(1)) for c in taken if (m := GENERATED_CODE.fullmatch(c or ""))), default=0)
    result = []
    for field in fields:
        if not field.get("name"):
            highest += 1
            field = {**field, "name": f"f{highest}"}
        result.append(field)
    return result


def placeholder_labels(fields: list[dict[str, Any]]) -> dict[str, str]:
    """code → the label an officer sees between braces, standard placeholders first."""
    labels = {code: str(label) for code, label in STANDARD_LABELS.items()}
    for field in fields:
        if field.get("name") and (field.get("label") or "").strip():
            labels[field["name"]] = field["label"].strip()
    return labels


def body_with_labels(body: str, fields: list[dict[str, Any]]) -> str:
    """The stored body as the officer edits it: {f1} is shown as {学校名称}."""
    labels = placeholder_labels(fields)
    return PLACEHOLDER.sub(lambda m: "{" + labels[m.group(1)] + "}" if m.group(1) in labels else m.group(0), body or "")


def body_with_codes(body: str, fields: list[dict[str, Any]]) -> str:
    """The body as stored: {学校名称} becomes {f1}. Codes typed as codes stay; an unknown {…} is left for the check."""
    codes = {label: code for code, label in placeholder_labels(fields).items()}
    return ANY_PLACEHOLDER.sub(
        lambda m: "{" + codes[m.group(1).strip()] + "}" if m.group(1).strip() in codes else m.group(0), body or ""
    )


def check_labels_unique(fields: list[dict[str, Any]]) -> None:
    """A label stands for its field in the body text, so two fields (or a field and a system field) may not share one."""
    labels = [str(label) for label in STANDARD_LABELS.values()]
    for field in fields:
        label = (field.get("label") or "").strip()
        if label in labels:
            raise ValidationError({"fields": _("字段名称“%(label)s”重复了，请换一个名称。") % {"label": label}})
        labels.append(label)


def check_optional_sentences(fields: list[dict[str, Any]], body: str) -> None:
    """[[ ]] sections are closed, not nested, each holds a field; an optional field is only used inside one, so that
    leaving it empty leaves no words behind ("配偶：。")."""
    outside = OPTIONAL.sub("", body)
    if "[[" in outside or "]]" in outside or any("[[" in inner for inner in OPTIONAL.findall(body)):
        raise ValidationError({"body_template": _("可选句子要用一对 [[ 和 ]] 括起来，不能嵌套，也不能缺少一半。")})
    for inner in OPTIONAL.findall(body):
        if not PLACEHOLDER.search(inner):
            raise ValidationError(
                {"body_template": _("可选句子 [[%(text)s]] 中没有字段，无从判断是否省略。") % {"text": inner}}
            )
    used_outside = set(PLACEHOLDER.findall(outside))
    # Named as the officer sees them ({配偶姓名}), not by their stored codes.
    optional = [
        f.get("label") or f.get("name") for f in fields if not f.get("required") and f.get("name") in used_outside
    ]
    if optional:
        raise ValidationError(
            {
                "body_template": _(
                    "选填字段 %(names)s 留空时会留下多余的文字，请把含有它的句子放进 [[ ]]，例如“[[，配偶：{配偶姓名}]]”，"
                    "或者把该字段设为必填。"
                )
                % {"names": "、".join(f"{{{n}}}" for n in optional)}
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


def _filled(value: Any) -> bool:
    return value is not None and str(value).strip() != ""


def render_body(body: str, values: dict[str, str]) -> str:
    """Fill {placeholders} with values; an unknown placeholder stays visible rather than vanishing.

    An optional sentence [[…]] is printed without its brackets when every field inside it is filled, and is left
    out entirely otherwise.
    """

    def optional(match: re.Match) -> str:
        inner = match.group(1)
        return inner if all(_filled(values.get(name)) for name in PLACEHOLDER.findall(inner)) else ""

    body = OPTIONAL.sub(optional, body or "")
    return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), body)


def for_committee(body: str, community_kind: str) -> str:
    """The wording as this kind of committee says it: a village says 本村 and 村民委员会."""
    return in_words_of(community_kind, body)


def chinese_date(day) -> str:
    """GB/T 9704: Arabic numerals, full year, no leading zeros: 2026年3月5日."""
    return _("%(y)s年%(m)s月%(d)s日") % {"y": day.year, "m": day.month, "d": day.day}


def chinese_dates(value: str) -> str:
    """A value that is a date typed as 2023-05-01 (a date field) is printed 2023年5月1日."""
    match = ISO_DATE.fullmatch((value or "").strip())
    if not match:
        return value
    year, month, day = (int(g) for g in match.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return value
    return _("%(y)s年%(m)s月%(d)s日") % {"y": year, "m": month, "d": day}


def sample_values(
    fields: list[dict[str, Any]],
    *,
    purposes: list[str] | None = None,
    requesting_bodies: list[str] | None = None,
    community_kind: str = "",
) -> dict[str, str]:
    """Example values for an item's form sample, taken from the item itself: its own first purpose and requesting
    body, its fields' examples (dates in Chinese form), and a committee of the kind the item applies to."""
    values = dict(STANDARD_PLACEHOLDERS)
    if purposes:
        values["purpose"] = purposes[0]
    if requesting_bodies:
        values["requesting_body"] = str(requesting_bodies[0])
    if community_kind == "villagers_committee":
        values["community_name"] = "示例村村民委员会"
    for field in fields:
        example = field.get("example") or field.get("label") or field["name"]
        values[field["name"]] = chinese_dates(example) if field.get("type") == "date" else example
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
