"""Chinese first: the language is Simplified Chinese unless the user chose another with the language switch.

Django's LocaleMiddleware would also follow the browser's Accept-Language header; a government service answers
in Chinese by default, whatever the browser's setting, and switches only on an explicit choice (the cookie set by
the language switch in the header).
"""

from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
