"""Chinese first: the language is Simplified Chinese unless the user chose another with the language switch.

Django's LocaleMiddleware would also follow the browser's Accept-Language header; a government service answers
in Chinese by default, whatever the browser's setting, and switches only on an explicit choice (the cookie set by
the language switch in the header).
"""

import logging

from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

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
