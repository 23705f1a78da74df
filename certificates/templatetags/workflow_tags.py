"""Template access to the workflow's predicates, so that a button is shown from the rule itself (workflow.can), never
from a second copy of it written with memberships in a template.

    {% load workflow_tags %}{% can_act req "revoke" as may_revoke %}{% if may_revoke %}…{% endif %}
"""

from __future__ import annotations

from django import template

from certificates import workflow
from certificates.models import CertificateRequest

register = template.Library()


@register.simple_tag(takes_context=True)
def can_act(context: template.Context, request: CertificateRequest, action: str) -> bool:
    """workflow.can for the signed-in user of the page; False for anyone signed out."""
    user = context.get("user")
    if user is None or not user.is_authenticated or request is None:
        return False
    return workflow.can(user, request, action)
