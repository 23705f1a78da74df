"""The certificate as it will print, while an officer edits a catalog item's body text (清单维护 → 证明正文).

The item form posts what is typed (name, fields, body, purposes) as the officer types; this answers the same
preview fragment the director reads before signing (certificates/documents.py, build_preview), filled with the
item's own example values. It lives here, not in catalog/, because the certificate's layout belongs to certificates/
(catalog/ never imports certificates/). Nothing is saved.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalog import rules
from catalog.models import AppliesTo
from certificates.documents import build_preview
from certificates.freeze import CertificateText, split_addressee
from portal.access import is_officer
from portal.errors import Forbidden
from portal.models import Region
from portal.regions import CommunityKind, Level

MAX_ROWS = 50


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def posted_fields(data: QueryDict) -> list[dict]:
    """The resident fields rows as typed (not yet saved): label, code if it has one, type, example."""
    try:
        total = min(int(data.get("fields-TOTAL_FORMS", "0")), MAX_ROWS)
    except ValueError:
        total = 0
    rows = []
    for index in range(total):
        get = lambda key: (data.get(f"fields-{index}-{key}") or "").strip()  # noqa: B023, E731
        if get("DELETE") or not get("label"):
            continue
        code = get("name")
        rows.append(
            {
                "name": code if rules.PLACEHOLDER.fullmatch("{" + code + "}") else "",
                "label": get("label"),
                "type": get("type") or "text",
                "required": bool(get("required")),
                "example": get("example"),
            }
        )
    return rules.assign_field_codes(rows)


def preview_text(data: QueryDict) -> tuple[CertificateText, str]:
    """The certificate text of the item as typed, and the kind of committee it is shown for."""
    fields = posted_fields(data)
    kind = CommunityKind.VILLAGERS_COMMITTEE if data.get("applies_to") == AppliesTo.VILLAGERS_COMMITTEE else ""
    body = rules.body_with_codes(data.get("body_template", "").replace("\r\n", "\n"), fields)
    values = rules.sample_values(
        fields,
        purposes=_lines(data.get("purposes", "")),
        requesting_bodies=_lines(data.get("requesting_bodies", "")),
        community_kind=kind,
    )
    addressee, text = split_addressee(rules.render_body(rules.for_committee(body, kind), values))
    months = data.get("validity_months", "")
    return (
        CertificateText(
            title=(data.get("name") or "").strip() or _("（事项名称）"),
            addressee=addressee,
            body=text,
            purpose=values["purpose"],
            requesting_body=values["requesting_body"],
            validity_months=int(months) if months.isdigit() and 0 < int(months) < 1000 else None,
            item_version=None,
        ),
        kind,
    )


@require_POST
@login_required
def catalog_preview(request: HttpRequest) -> HttpResponse:
    if not is_officer(request.user):
        raise Forbidden(_("清单维护仅供区县和省级民政干部使用。"))
    text, kind = preview_text(request.POST)
    villagers = kind == CommunityKind.VILLAGERS_COMMITTEE
    # An unsaved sample committee: the preview names no real community.
    community = Region(
        level=Level.COMMUNITY,
        code="000000000000",
        name=_("示例村") if villagers else _("示例社区"),
        community_kind=kind or CommunityKind.RESIDENTS_COMMITTEE,
    )
    document = build_preview(text=text, community=community, on=timezone.localdate())
    return HttpResponse(document.render_preview())
