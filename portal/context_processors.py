"""Values every template needs: the operator's name, demo mode, and the user's role summary."""

from django.conf import settings
from django.http import HttpRequest

from portal.access import active_memberships, is_officer, needs_second_factor, oversight_places_by_level
from portal.roles import OVERSIGHT_ROLES, Role


def site(request: HttpRequest) -> dict:
    # No user when a request is refused before AuthenticationMiddleware runs (e.g. the 400 page for a bad Host).
    user = getattr(request, "user", None)
    memberships = active_memberships(user) if user is not None else []
    verified = getattr(user, "is_verified", None)
    if memberships and needs_second_factor(user) and not (verified and verified()):
        memberships = []  # before the second step the work menus are not offered (every page would refuse anyway)
    roles = {m.role for m in memberships}
    return {
        "portal_operator": settings.PORTAL_OPERATOR,
        # 关怀版 (large text, high contrast) remembered per browser by a cookie (portal.views.care_mode)
        "care_mode": request.COOKIES.get("care_mode") == "1",
        "demo_mode": settings.DEMO_MODE,
        "user_memberships": memberships,
        "user_is_officer": is_officer(user) if memberships else False,
        "user_oversees": bool(roles & OVERSIGHT_ROLES),
        # Where an overseeing officer's complaints and alerts lists start (their highest place; no query).
        "user_oversight_place": oversight_places_by_level(user)[0] if roles & OVERSIGHT_ROLES else None,
        # Which menus to show; each page still checks access itself.
        "user_handles_requests": bool(roles & {Role.STAFF, Role.DIRECTOR}),
        "user_is_keeper": Role.KEEPER in roles,
        "user_is_county_officer": Role.COUNTY_OFFICER in roles,
        "user_is_director": Role.DIRECTOR in roles,
        "user_is_department_officer": Role.DEPARTMENT_OFFICER in roles,
    }
