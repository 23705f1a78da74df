"""Public complaints (监督举报): anyone, without signing in, reports that a department asked for a certificate the
list abolishes, or that a community refused a certificate it should issue. The county follows it up.

    received (已受理) ─check─→ checking (核查中) ─close─→ closed (已办结)
         └──────────────close──────────────────┘    ←reopen─┘

Routing: the complaint goes to the county of the community named (or, without a community, the county the reporter
chose for the body). What the reporter typed is matched by the resolver (catalog/resolver.py) to the item on the
national or local list. The reporter gets a lookup code once; only its SHA-256 is stored, like an API key. Every
change of status is a permanent ComplaintEvent with the reply the reporter reads by code. Only the county officers of
the complaint's county act; officers above and the street of the community read (portal.access.oversees).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from catalog import resolver
from certificates.models import Complaint, ComplaintEvent, ComplaintKind, ComplaintStatus, RequestingBody
from certificates.services import RequestInvalid
from certificates.workflow import WorkflowError
from portal.access import active_memberships, oversees
from portal.models import Region, User, phone_validator
from portal.regions import Level
from portal.roles import Role

# Lookup codes: 12 characters from an alphabet without look-alikes (0/O, 1/I/L), about 60 bits, shown as XXXX-XXXX-XXXX.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12

# The one table of status moves: action → (from states, to state).
COMPLAINT_MOVES: dict[str, tuple[frozenset[str], str]] = {
    "check": (frozenset({ComplaintStatus.RECEIVED}), ComplaintStatus.CHECKING),
    "close": (frozenset({ComplaintStatus.RECEIVED, ComplaintStatus.CHECKING}), ComplaintStatus.CLOSED),
    "reopen": (frozenset({ComplaintStatus.CLOSED}), ComplaintStatus.CHECKING),
}


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalize_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch in CODE_ALPHABET)


def code_hash(code: str) -> str:
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()


def find_by_code(code: str) -> Complaint | None:
    if len(normalize_code(code)) != CODE_LENGTH:
        return None
    return Complaint.objects.select_related("county", "community").filter(code_hash=code_hash(code)).first()


# --- who ------------------------------------------------------------------------------------------------------------


def may_handle(user: User, complaint: Complaint) -> bool:
    """A county officer of the complaint's county: the only one who changes its status."""
    return any(m.role == Role.COUNTY_OFFICER and m.region_id == complaint.county_id for m in active_memberships(user))


def may_read(user: User, complaint: Complaint) -> bool:
    """The officers overseeing its community (street and above) or, without a community, its county."""
    return oversees(user, complaint.community or complaint.county)


def in_region(region: Region) -> Q:
    """Complaints about the places under region: by their community, or by their county when they name none."""
    return Q(community__code__startswith=region.prefix) | Q(
        community__isnull=True, county__code__startswith=region.prefix
    )


def counts(region: Region) -> dict[str, int]:
    """Complaints by status under region (the oversight page's figures), one query."""
    rows = Complaint.objects.filter(in_region(region)).values("status").annotate(n=Count("pk")).order_by()
    result = {status: 0 for status in ComplaintStatus.values}
    result.update({row["status"]: row["n"] for row in rows})
    return result


# --- submit ---------------------------------------------------------------------------------------------------------


@dataclass
class Submission:
    kind: str
    county: Region | None
    community: Region | None
    requesting_body: str
    item_text: str
    details: str = ""
    phone: str = ""
    community_name: str = ""  # typed: looked up in the county when no community was given


def find_community(county: Region, name: str) -> tuple[Region | None, str]:
    """The community of the county the reporter names (the exact name, else the one name containing it)."""
    typed = name.strip()
    found = list(
        Region.objects.filter(
            level=Level.COMMUNITY, code__startswith=county.prefix, retired_on__isnull=True, name__contains=typed
        ).order_by("code")[:6]
    )
    exact = [r for r in found if r.name == typed]
    if len(exact) == 1 or len(found) == 1:
        return (exact or found)[0], ""
    if not found:
        return None, _("在%(county)s没有找到名称含“%(name)s”的社区（村），请核对名称。") % {
            "county": county.name,
            "name": typed,
        }
    names = "、".join(r.name for r in found[:5])
    return None, _("有多个社区（村）的名称含“%(name)s”：%(names)s。请填写完整名称。") % {"name": typed, "names": names}


def _candidates_message(found: resolver.Resolution) -> str:
    names = "、".join(dict.fromkeys(f"“{item.name}”" for item in found.candidates[:5]))
    return _("没有找到完全一致的名称，您是不是指：%(names)s？请按清单上的名称填写。") % {"names": names}


def match_item(kind: str, text: str, place: Region) -> tuple[object | None, str]:
    """(the listed item the reporter means, or None with the reason to show them)."""
    found = resolver.resolve(text, region=place)
    if found.kind == resolver.Kind.NEAR and found.candidates:
        return None, _candidates_message(found)
    if kind == ComplaintKind.ABOLISHED_ASKED:
        if found.kind == resolver.Kind.MATCH and found.non_issuable and not found.issuable:
            return found.non_issuable[0], ""
        if found.kind == resolver.Kind.MATCH and found.issuable:
            return None, _(
                "“%(name)s”在清单中可以由社区出具，单位要求提供并不违反清单。如社区拒绝出具，请选择“社区拒绝出具应当出具的证明”。"
            ) % {"name": text.strip()}
        return None, _("没有在不予出具证明事项清单中找到“%(name)s”。请按清单上的名称填写，或查看社区公开的清单。") % {
            "name": text.strip()
        }
    if found.kind == resolver.Kind.MATCH and found.issuable:
        return found.issuable[0], ""
    if found.kind == resolver.Kind.MATCH and found.non_issuable:
        return None, _("“%(name)s”属于不予出具的证明，社区不出具是依照清单办理。请到清单载明的部门办理。") % {
            "name": text.strip()
        }
    return None, _("没有在该社区的可出具证明事项清单中找到“%(name)s”。请按清单上的名称填写。") % {"name": text.strip()}


def complaint_submit(data: Submission) -> tuple[Complaint, str]:
    """Record a complaint; returns it with its lookup code (shown once, never stored)."""
    errors: dict[str, list[str]] = {}
    if data.kind not in ComplaintKind.values:
        errors["kind"] = [_("请选择举报类型。")]
    community = data.community
    county = community.ancestor_at(Level.COUNTY) if community is not None else data.county
    if county is None or county.level != Level.COUNTY:
        errors["county"] = [_("请选择所在区县。")]
    elif community is None and data.community_name.strip():
        community, reason = find_community(county, data.community_name)
        if community is None:
            errors["community_name"] = [reason]
    if data.kind == ComplaintKind.REFUSED_ISSUABLE and community is None and "community_name" not in errors:
        errors["community_name"] = [_("请填写拒绝出具证明的社区（村）。")]
    body = data.requesting_body.strip()
    if data.kind == ComplaintKind.ABOLISHED_ASKED and not body:
        errors["requesting_body"] = [_("请填写要求您开具证明的单位。")]
    text = data.item_text.strip()
    if not text:
        errors["item_text"] = [_("请填写证明的名称。")]
    phone = data.phone.strip()
    if phone:
        try:
            phone_validator(phone)
        except ValidationError as invalid:
            errors["phone"] = list(invalid.messages)
    item = None
    if text and not errors.get("kind") and county is not None and county.level == Level.COUNTY:
        item, reason = match_item(data.kind, text, community or county)
        if item is None:
            errors["item_text"] = [reason]
    if errors:
        raise RequestInvalid(errors)
    registered = (
        RequestingBody.objects.filter(county=county, name=body, active=True).first()
        if data.kind == ComplaintKind.ABOLISHED_ASKED
        else None
    )
    code = new_code()
    with transaction.atomic():
        complaint = Complaint.objects.create(
            kind=data.kind,
            county=county,
            community=community,
            requesting_body=body,
            requesting_body_ref=registered,
            item_text=text[:120],
            non_issuable_item=item if data.kind == ComplaintKind.ABOLISHED_ASKED else None,
            issuable_item=item if data.kind == ComplaintKind.REFUSED_ISSUABLE else None,
            details=data.details.strip(),
            phone=phone,
            code_hash=code_hash(code),
        )
        ComplaintEvent.objects.create(complaint=complaint, to_status=ComplaintStatus.RECEIVED)
    return complaint, code


# --- follow-up ------------------------------------------------------------------------------------------------------


def complaint_refusal(user: User, complaint: Complaint, action: str) -> str | None:
    """Why user may not take action now (None: they may). The buttons and the server both ask this."""
    if action not in COMPLAINT_MOVES:
        return _("未知的操作，未执行任何更改。")
    if not may_handle(user, complaint):
        return _("只有该举报所属区县的民政干部可以办理。")
    if complaint.status not in COMPLAINT_MOVES[action][0]:
        return _("该举报当前状态为“%(s)s”，不能执行此操作。") % {"s": complaint.get_status_display()}
    return None


def complaint_move(*, complaint_id: int, actor: User, action: str, reply: str) -> Complaint:
    """Change the status with a reply the reporter reads; one permanent event per change."""
    if not reply.strip():
        raise RequestInvalid({"reply": [_("请写明答复，举报人凭查询码可以看到。")]})
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update().get(pk=complaint_id)
        refusal = complaint_refusal(actor, complaint, action)
        if refusal:
            raise WorkflowError(refusal, forbidden=not may_handle(actor, complaint))
        before = complaint.status
        complaint.status = COMPLAINT_MOVES[action][1]
        complaint.reply = reply.strip()
        complaint.save(update_fields=["status", "reply", "updated_at"])
        ComplaintEvent.objects.create(
            complaint=complaint, from_status=before, to_status=complaint.status, reply=reply.strip(), actor=actor
        )
    return complaint
