"""Site-wide middleware: the interface language, the second sign-in step for privileged accounts, and the 503
page when the database is unavailable.

Chinese first: the language is Simplified Chinese unless the user chose another with the language switch.

Django's LocaleMiddleware would also follow the browser's Accept-Language header; a government service answers
in Chinese by default, whatever the browser's setting, and switches only on an explicit choice (the cookie set by
the language switch in the header).
"""

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponseRedirect
from django.middleware.locale import LocaleMiddleware
from django.urls import Resolver404, resolve, reverse
from django.utils import translation

from portal.access import needs_second_factor
from portal.errors import DATABASE_UNAVAILABLE, maintenance_response

logger = logging.getLogger("portal.errors")


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class DatabaseUnavailableMiddleware:
    """A view that cannot reach the database answers 503 "系统维护中，请稍后再试" with Retry-After, not a 500.

    The page is rendered without the database (portal.errors.maintenance_response). Errors raised outside a view
    (e.g. while a middleware saves the session) reach the same page through handler500 (portal.errors.server_error).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, DATABASE_UNAVAILABLE):
            logger.error("Database unavailable on %s %s: %s", request.method, request.path, exception)
            return maintenance_response(request)
        return None


# Pages an unverified privileged session may open: the second step itself, enrolment, signing out, the language
# switch. Static files are served before this middleware (whitenoise) or under STATIC_URL (development).
SECOND_FACTOR_OPEN_VIEWS = frozenset(
    {"second_step", "second_step_setup", "logout", "set_language", "care_mode", "csp_report", "healthz", "readyz"}
)


class SecondFactorMiddleware:
    """An account that must use a second factor and has not passed it in this session counts as not yet signed in:
    every page sends it to the second step (or to enrolment when it has no device yet). Residents are never asked.

    Must come after AuthenticationMiddleware and django_otp's OTPMiddleware (which sets user.is_verified()).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not self._open(request) and needs_second_factor(user):
            verified = getattr(user, "is_verified", None)
            if not (verified and verified()):
                target = reverse("second_step")
                if request.method == "GET":
                    target += "?" + urlencode({"next": request.get_full_path()})
                return HttpResponseRedirect(target)
        return self.get_response(request)

    @staticmethod
    def _open(request: HttpRequest) -> bool:
        if settings.STATIC_URL and request.path_info.startswith(settings.STATIC_URL):
            return True
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        return match.view_name in SECOND_FACTOR_OPEN_VIEWS
