"""Work-access (工作准入, 陕西通知 二(二)): a department that wants communities to issue a new certificate applies to
the county, which decides with reasons.

    pending ─approve (county)→ approved: a draft issuable item of the county, linked to the decision; it is
                                         published only through catalog.services (resolver, liability phrases,
                                         the basis confirmation), like any other draft
            ─refuse (county)─→ refused: with where the department can have the data instead

An application for a certificate the resolver finds on a non-issuable list is refused when it is made, naming that
item and where residents get it instead. Decisions are public on the county's disclosure page.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import resolver
from catalog import services as catalog_services
from catalog.models import IssuableItem, Scope
from certificates.models import AccessStatus, RequestingBody, WorkAccessApplication
from certificates.services import RequestInvalid
from certificates.workflow import WorkflowError
from portal.access import active_memberships
from portal.models import Region, User
from portal.roles import Role

FIELDS = ("certificate_name", "legal_basis", "why_not_self", "data_needed", "frequency")
DRAFT_BODY = (
    "兹证明{applicant_name}（公民身份号码：{applicant_id_number}）……（由区县按准入决定补充核实的事实）。\n特此证明。"
)


def department_counties(user: User) -> list[Region]:
    return [m.region for m in active_memberships(user) if m.role == Role.DEPARTMENT_OFFICER]


def decides_for(user: User, county: Region) -> bool:
    return any(m.role == Role.COUNTY_OFFICER and m.region_id == county.pk for m in active_memberships(user))


def non_issuable_match(name: str, county: Region) -> list:
    """The non-issuable items (national or local) the resolver finds for this certificate name, if it is not also
    an issuable one."""
    found = resolver.resolve(name, region=county)
    if found.kind == resolver.Kind.MATCH and found.non_issuable and not found.issuable:
        return list(found.non_issuable)
    return []


def apply(*, county: Region, department: RequestingBody, actor: User, **fields: str) -> WorkAccessApplication:
    if county not in department_counties(actor):
        raise WorkflowError(_("只有本区县的部门工作人员可以申请工作准入。"), forbidden=True)
    errors: dict[str, list[str]] = {}
    for name in FIELDS:
        if not str(fields.get(name, "")).strip():
            errors[name] = [_("请填写此项。")]
    if department.county_id != county.pk or not department.active:
        errors["department"] = [_("请选择本区县登记在用的部门。")]
    if errors:
        raise RequestInvalid(errors)
    values = {name: str(fields[name]).strip() for name in FIELDS}
    abolished = non_issuable_match(values["certificate_name"], county)
    with transaction.atomic():
        application = WorkAccessApplication.objects.create(
            county=county, department=department, applicant=actor, **values
        )
        if abolished:
            item = abolished[0]
            application.status = AccessStatus.REFUSED
            application.decided_at = timezone.now()
            application.decision_reason = _("该证明属于不应由社区出具的证明事项（%(code)s %(name)s），不予准入。") % {
                "code": item.code,
                "name": item.name,
            }
            application.alternative = _("%(department)s；办理途径：%(channel)s") % {
                "department": item.alternative_department,
                "channel": getattr(item, "alternative_channel", "") or "—",
            }
            application.save(update_fields=["status", "decided_at", "decision_reason", "alternative"])
    return application


def _draft_code(application: WorkAccessApplication) -> str:
    return f"{application.county.code[:6]}-ZR{application.pk:03d}"


def decide(
    *, application_id: int, actor: User, approve: bool, reason: str, alternative: str = ""
) -> WorkAccessApplication:
    """The county's decision, taken once. An approval makes the draft item through catalog.services.item_save."""
    if not reason.strip():
        raise RequestInvalid({"reason": [_("请写明决定理由。")]})
    if not approve and not alternative.strip():
        raise RequestInvalid({"alternative": [_("不予准入时请告知部门可从何处取得所需信息（如数据共享、告知承诺）。")]})
    with transaction.atomic():
        application = (
            WorkAccessApplication.objects.select_for_update()
            .select_related("county", "department")
            .get(pk=application_id)
        )
        if not decides_for(actor, application.county):
            raise WorkflowError(_("只有本区县的民政干部可以作出准入决定。"), forbidden=True)
        if application.status != AccessStatus.PENDING:
            raise WorkflowError(_("该申请已经作出决定。"))
        application.status = AccessStatus.APPROVED if approve else AccessStatus.REFUSED
        application.decided_by = actor
        application.decided_at = timezone.now()
        application.decision_reason = reason.strip()
        application.alternative = "" if approve else alternative.strip()
        if approve:
            item = IssuableItem(
                code=_draft_code(application),
                name=application.certificate_name,
                scope=Scope.COUNTY,
                region=application.county,
                legal_bases=[
                    {
                        "title": application.legal_basis,
                        "issuer": application.department.name,
                        "number": "",
                        "article": "",
                        "effective_date": "",
                        # the county confirms the basis before publishing (catalog/rules.check_bases_confirmed)
                        "needs_confirmation": True,
                    }
                ],
                requesting_bodies=[application.department.name],
                purposes=[],
                materials=[],
                body_template=DRAFT_BODY,
                notes=_("依工作准入决定形成的草稿：%(reason)s") % {"reason": application.decision_reason},
            )
            try:
                application.draft_item = catalog_services.item_save(item=item, actor=actor, reason=_("工作准入决定"))
            except ValidationError as invalid:
                raise RequestInvalid({"reason": [m for m in invalid.messages]}) from None
        application.save()
    return application
