"""Values every template needs: the operator's name, demo mode, and the user's role summary."""

from django.conf import settings
from django.http import HttpRequest

from portal.access import active_memberships, is_officer
from portal.roles import Role


def site(request: HttpRequest) -> dict:
    # No user when a request is refused before AuthenticationMiddleware runs (e.g. the 400 page for a bad Host).
    user = getattr(request, "user", None)
    memberships = active_memberships(user) if user is not None else []
    roles = {m.role for m in memberships}
    return {
        "portal_operator": settings.PORTAL_OPERATOR,
        "demo_mode": settings.DEMO_MODE,
        "user_memberships": memberships,
        "user_is_officer": is_officer(user) if user is not None else False,
        # Which menus to show; each page still checks access itself.
        "user_handles_requests": bool(roles & {Role.STAFF, Role.DIRECTOR}),
        "user_is_keeper": Role.KEEPER in roles,
    }
