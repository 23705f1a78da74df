"""What is signed is what is printed: the certificate's text, fixed at the director's signature.

At signing (workflow.sign) the text is rendered once from the catalog item in force and the request's values, checked
(every character in the certificate font, no liability wording) and stored on the register entry. Issuance prints
that stored text and never renders from the item again, so editing the item after signing changes nothing already
signed. The director's preview and the keeper's preview are built from the same text and the same document object
as the PDF (certificates/documents.py).

The liability check of a whole document exempts only the wording of the catalog item's own template, which the
county vetted when it published the item (e.g. the disclaimer "不承担任何法律或经济责任" of 610113-ZM08): what the
template does not say word for word (the values filled in, a staff member's wording, anything written into the
database by other means) is checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.liability import ensure_no_liability
from catalog.rules import OPTIONAL, PLACEHOLDER, chinese_dates, for_committee, render_body
from certificates.fonts import missing_characters
from certificates.models import CertificateRequest, RegisterEntry
from portal.models import Region

EXCEPTIONAL_VALIDITY_MONTHS = 3  # 清单外据实出具: staff's wording, valid three months like most listed items


@dataclass(frozen=True)
class CertificateText:
    """Everything the certificate says that is decided at signing (the number, date and code come later)."""

    title: str
    addressee: str  # the salutation line the body opens with (e.g. "西安市某公证处"), or ""
    body: str
    purpose: str
    requesting_body: str
    validity_months: int | None  # None: no period of validity
    item_version: int | None
    template: str | None = None  # the catalog wording the body was rendered from; None for staff's own wording


def split_addressee(rendered: str) -> tuple[str, str]:
    """A body whose first line ends with a full-width colon opens with its addressee (GB/T 9704 主送机关)."""
    first, _sep, rest = rendered.partition("\n")
    if first.endswith("：") and rest.strip():
        return first[:-1], rest
    return "", rendered


def _deliberation_outcome(request: CertificateRequest) -> dict[str, str]:
    """The community's record of the residents' deliberation, in the certificate's words (Chinese, permanent text);
    nothing before it is held, so the preview shows the placeholder still open."""
    held = request.deliberations.order_by("-held_on", "-pk").first() if request.pk else None
    if held is None:
        return {}
    return {
        "deliberation_outcome": f"{held.held_on.year}年{held.held_on.month}月{held.held_on.day}日在{held.place}召开，"
        f"参会{held.total}人，同意{held.agreed}人"
    }


def _values(request: CertificateRequest) -> dict[str, str]:
    """What the placeholders are filled with. Dates typed as 2023-05-01 are printed 2023年5月1日 (GB/T 9704)."""
    from certificates.documents import gender_from_id

    fields = {k: chinese_dates(v) if isinstance(v, str) else v for k, v in (request.field_values or {}).items()}
    return {
        **fields,
        **_deliberation_outcome(request),
        "applicant_name": request.applicant_name,
        "applicant_gender": gender_from_id(request.applicant_id_number),
        "applicant_id_number": request.applicant_id_number,
        "community_name": request.community.name,
        "purpose": request.purpose,
        "requesting_body": request.requesting_body,
    }


def _from_template(request: CertificateRequest, *, title: str, template: str, months, version) -> CertificateText:
    template = for_committee(template, request.community.community_kind)  # a village says 本村, 村民委员会
    addressee, body = split_addressee(render_body(template, _values(request)))
    return CertificateText(
        title=title,
        addressee=addressee,
        body=body,
        purpose=request.purpose,
        requesting_body=request.requesting_body,
        validity_months=months,
        item_version=version,
        template=template,
    )


def item_version(request: CertificateRequest) -> int | None:
    """The catalog item's version in force now (its latest history row)."""
    if not request.item_id:
        return None
    return request.item.history.order_by("-history_date", "-history_id").values_list("history_id", flat=True).first()


def certificate_text(request: CertificateRequest, *, version: int | None = None) -> CertificateText:
    """The text the certificate of this request would say if signed now (the director's preview, and signing).
    `version`: the item's current version when the caller already read it (the bulk load asks once per item)."""
    item = request.item
    if item is None:  # 清单外据实出具: staff's own wording of the verified facts
        addressee, body = split_addressee(request.field_values.get("statement") or request.verification_note)
        return CertificateText(
            title=request.exceptional_name,
            addressee=addressee,
            body=body,
            purpose=request.purpose,
            requesting_body=request.requesting_body,
            validity_months=EXCEPTIONAL_VALIDITY_MONTHS,
            item_version=None,
        )
    return _from_template(
        request,
        title=item.name,
        template=item.body_template,
        months=item.validity_months,
        version=version if version is not None else item_version(request),
    )


def _template_at(entry: RegisterEntry):
    request = entry.request
    if not request.item_id or entry.item_version is None:
        return None
    return request.item.history.filter(history_id=entry.item_version).first()


def request_kind(entry: RegisterEntry) -> str:
    return entry.community.community_kind


def entry_text(entry: RegisterEntry) -> CertificateText:
    """The text signed with this register entry: what issuance prints and the keeper previews."""
    version = _template_at(entry)
    if entry.has_frozen_text:
        return CertificateText(
            title=entry.matter_name,
            addressee=entry.certificate_addressee,
            body=entry.certificate_body,
            purpose=entry.purpose,
            requesting_body=entry.requesting_body,
            validity_months=entry.validity_months,
            item_version=entry.item_version,
            template=for_committee(version.body_template, request_kind(entry)) if version else None,
        )
    # Signed before texts were frozen: rebuilt from the item's version recorded at signing, never the current one.
    request = entry.request
    if request.item_id is None:
        return certificate_text(request)
    if version is None:
        raise LookupError(entry.pk)
    return _from_template(
        request,
        title=entry.matter_name,
        template=version.body_template,
        months=version.validity_months,
        version=entry.item_version,
    )


# --- checks before a number is taken and again before the seal ------------------------------------------------------


def _inserted(template: str, rendered: str) -> list[str] | None:
    """The values filled into template to give rendered; None when rendered is not that template's wording."""

    def literal_pattern(part: str) -> str:
        literals = PLACEHOLDER.split(part)[::2]  # split keeps the names at odd positions
        return "(.*?)".join(re.escape(literal) for literal in literals)

    # An optional sentence [[…]] is either printed without its brackets or left out.
    pieces, at = [], 0
    for match in OPTIONAL.finditer(template):
        pieces.append(literal_pattern(template[at : match.start()]))
        pieces.append(f"(?:{literal_pattern(match.group(1))})?")
        at = match.end()
    pieces.append(literal_pattern(template[at:]))
    match = re.fullmatch("".join(pieces), rendered, flags=re.DOTALL)
    return [g for g in match.groups() if g is not None] if match else None


def _guarded(text: CertificateText) -> dict[str, str]:
    """The printed pieces the liability guard reads, by what they are called on the page."""
    pieces = {_("标题"): text.title, _("用途"): text.purpose, _("要求出具单位"): text.requesting_body}
    rendered = f"{text.addressee}：\n{text.body}" if text.addressee else text.body
    inserted = _inserted(text.template, rendered) if text.template else None
    if inserted is None:
        pieces[_("正文")] = rendered
    else:
        pieces[_("正文中填写的内容")] = "\n".join(inserted)
    return pieces


def liability_problem(text: CertificateText) -> str | None:
    try:
        ensure_no_liability(_guarded(text))
    except ValidationError as error:
        return " ".join(f"{piece}：{m}" for piece, messages in error.message_dict.items() for m in messages)
    return None


def font_missing(text: CertificateText, community: Region) -> list[str]:
    """Characters of the certificate-to-be that the certificate font cannot draw."""
    from certificates.documents import build_preview

    return missing_characters(build_preview(text=text, community=community, on=timezone.localdate()).printed_text())


def signing_problem(text: CertificateText, community: Region) -> str | None:
    """Why this text may not be signed (and take a register number); None when it may."""
    if not text.body.strip():
        return _("证明正文为空，不能签字登记。清单外事项以核实情况作为证明正文，请退回补充核实情况。")
    missing = font_missing(text, community)
    if missing:
        return _(
            "证明内容中的字符“%(chars)s”超出证明字体的字库，无法正确打印，不能签字登记（未占用登记编号）。"
            "请退回核对姓名等内容，或联系区县民政部门处理生僻字。"
        ) % {"chars": "、".join(missing)}
    return liability_problem(text)


# --- what the director and the keeper read before they act ------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    html: str  # the certificate's text as a page fragment (escaped), marked 样稿
    problem: str | None  # why it cannot be signed or sealed as it stands
    frozen: bool  # True: the text fixed at signing; False: the text as it would be signed now


def preview_for(request: CertificateRequest) -> Preview | None:
    """Before signing, the text the director's signature would fix; after signing and before sealing, the fixed text.
    None in every other state (an issued certificate is its stored PDF)."""
    from django.conf import settings
    from django.utils import translation

    from certificates.documents import build_preview
    from certificates.models import Status

    today = timezone.localdate()
    with translation.override(settings.LANGUAGE_CODE):  # the certificate is Chinese whatever the screen's language
        if request.status == Status.AWAITING_SIGNATURE:
            text = certificate_text(request)
            handler = request.verified_by.display_name if request.verified_by_id else ""
            doc = build_preview(text=text, community=request.community, on=today, handler=handler)
            return Preview(doc.render_preview(), signing_problem(text, request.community), frozen=False)
        if request.status == Status.SIGNED:
            entry = request.register_entry
            try:
                text = entry_text(entry)
            except LookupError:
                return Preview("", _("找不到该登记签字时的证明事项版本。"), frozen=True)
            doc = build_preview(
                text=text,
                community=request.community,
                on=today,
                number=entry.display_number,
                responsible=entry.signer.display_name,
                handler=entry.verifier.display_name,
            )
            missing = missing_characters(doc.printed_text())
            problem = liability_problem(text) or (
                _("证明内容中的字符“%(chars)s”超出证明字体的字库。") % {"chars": "、".join(missing)}
                if missing
                else None
            )
            return Preview(doc.render_preview(), problem, frozen=True)
    return None
