"""What a fresh gunicorn worker would otherwise do on its first requests, done once in the master before it forks
(portal/gunicorn.conf.py, with preload_app): the URL resolver, both languages' translation catalogs and every
template compiled. A worker recycled after max_requests then serves at once instead of spending its first requests,
half a second or more, on them. Nothing here touches the database or the cache."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import get_template
from django.urls import get_resolver
from django.utils import translation


def warm() -> int:
    """Prepare the shared state; returns how many templates were compiled."""
    get_resolver().url_patterns  # noqa: B018 - importing every view module is the point
    get_resolver()._populate()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("首页")  # loads the language's catalog
    compiled = 0
    for folder in settings.TEMPLATES[0]["DIRS"]:
        for path in sorted(Path(folder).rglob("*.html")):
            try:
                get_template(str(path.relative_to(folder)))
            except (TemplateDoesNotExist, TemplateSyntaxError):  # a partial meant for another engine, say
                continue
            compiled += 1
    return compiled
