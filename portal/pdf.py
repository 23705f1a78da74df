"""The one place that turns HTML into PDF (WeasyPrint). Every PDF of the portal goes through `render_pdf`.

WeasyPrint is imported only inside `render_pdf` (ruff's banned-api rule keeps it out of every other module):
importing it loads Pango and fontconfig, which pages that never print should not pay for.

The URL fetcher is the security boundary. A PDF template may contain text a user typed, and WeasyPrint follows
every <img src>, <link href> and CSS url() it meets. So the fetcher answers only two kinds of URL:

* the portal's own static files, `/static/...` under the render's base URL, looked up through the staticfiles
  finders, or (for the manifest's hashed names in production) through the static storage of collected files,
  never through the filesystem path the URL names, and
* `data:` URLs, which carry their bytes inline.

Everything else (file://, http(s):// elsewhere, ftp:, relative paths outside /static/) is refused, so user text can
neither read a server file into a document nor make the server reach the network.
"""

from __future__ import annotations

import mimetypes
import posixpath
import threading
from types import ModuleType
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders

# The origin relative URLs resolve against when the caller gives no base URL. The .invalid top-level domain is
# reserved (RFC 2606) and never resolves, and the fetcher never opens it anyway: it only maps its /static/ paths.
DEFAULT_BASE_URL = "https://portal.invalid/"


class RefusedURL(ValueError):
    """A PDF tried to load a resource from outside the portal's static files."""


# One FontConfiguration per process: building it scans the system fonts (the CJK collections are large), so
# reusing it makes each render faster and lighter. The lock also serialises renders, because the Pango font map
# inside it is not documented as safe to share between threads.
_font_config: Any = None
_render_lock = threading.Lock()


def _weasyprint() -> ModuleType:
    """The portal's one WeasyPrint import, done on first use."""
    import weasyprint  # noqa: TID251 - the PDF chokepoint (see module docstring)

    return weasyprint


def _get_font_config() -> Any:
    global _font_config
    if _font_config is None:
        _font_config = _weasyprint().text.fonts.FontConfiguration()
    return _font_config


def static_path_for(url: str, base_url: str) -> str | None:
    """The finder's file for a /static/ URL under base_url's origin, or None when the URL is anything else."""
    parts = urlsplit(url)
    base = urlsplit(base_url)
    if (parts.scheme.lower(), parts.netloc.lower()) != (base.scheme.lower(), base.netloc.lower()):
        return None
    static_url = urlsplit(settings.STATIC_URL).path or "/static/"
    path = unquote(parts.path)
    if not path.startswith(static_url):
        return None
    relative = path[len(static_url) :]
    normalized = posixpath.normpath(relative)
    # No climbing out of the static tree, no absolute or hidden tricks: a plain relative file name only.
    if not relative or normalized != relative or normalized.startswith(("/", "..")) or "\\" in normalized:
        return None
    found = finders.find(normalized)
    if isinstance(found, str):
        return found
    return _collected_path(normalized)


def _collected_path(name: str) -> str | None:
    """In production `{% static %}` gives the manifest's hashed names (pdf.3f2a….css), which the finders do not
    know: those are files that collectstatic wrote under STATIC_ROOT, looked up through the static storage."""
    from django.contrib.staticfiles.storage import staticfiles_storage

    try:
        if staticfiles_storage.exists(name):
            return staticfiles_storage.path(name)
    except (NotImplementedError, ValueError):  # a remote storage has no local path; a bad name has no file
        return None
    return None


def make_url_fetcher(base_url: str = DEFAULT_BASE_URL) -> Any:
    """A WeasyPrint URL fetcher that serves only our static files and data: URLs (see the module docstring)."""
    urls = _weasyprint().urls

    class PortalURLFetcher(urls.URLFetcher):
        def __init__(self) -> None:
            # allowed_protocols is a second lock on the door: even the parent's fetch accepts only data:.
            super().__init__(allowed_protocols=("data",), allow_redirects=False, fail_on_errors=False)

        def fetch(self, url: str, headers: dict | None = None) -> Any:
            if url[:5].lower() == "data:":
                return super().fetch(url, headers)
            path = static_path_for(url, base_url)
            if path is None:
                raise RefusedURL(f"PDF resource refused (only /static/ and data: URLs are served): {url[:200]}")
            content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
            with open(path, "rb") as handle:
                body = handle.read()
            return urls.URLFetcherResponse(url, body=body, headers={"Content-Type": content_type})

    return PortalURLFetcher()


def render_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """Render an HTML document to PDF bytes. Relative URLs resolve against base_url (default: the portal's own
    internal origin); only /static/ files under that origin and data: URLs are ever loaded."""
    weasyprint = _weasyprint()
    base_url = base_url or DEFAULT_BASE_URL
    with _render_lock:
        font_config = _get_font_config()
        document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=make_url_fetcher(base_url))
        return document.write_pdf(font_config=font_config)
