"""Values every template needs: the operator's name, demo mode, and the user's role summary."""

from django.conf import settings
from django.http import HttpRequest

from portal.access import active_memberships, is_officer


def site(request: HttpRequest) -> dict:
    user = request.user
    return {
        "portal_operator": settings.PORTAL_OPERATOR,
        "demo_mode": settings.DEMO_MODE,
        "user_memberships": active_memberships(user) if hasattr(request, "user") else [],
        "user_is_officer": is_officer(user) if hasattr(request, "user") else False,
    }
