"""The PDF chokepoint: it renders CJK text, and its URL fetcher loads only our static files and data: URLs.

User text can reach a PDF template, so a file:// or http:// reference must never be read. The checks below look
at the produced PDF (is the image in it?) and at a real local HTTP server (was it asked?), not only at the code.
"""

import base64
import http.server
import io
import subprocess
import threading

import pytest
from PIL import Image

from portal import pdf
from portal.pdf import RefusedURL, make_url_fetcher, render_pdf
from tests.tools import program

pytestmark = pytest.mark.django_db


def png_bytes(colour: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def pdf_text(data: bytes) -> str:
    result = subprocess.run([program("pdftotext"), "-", "-"], input=data, capture_output=True, check=True)
    return result.stdout.decode()


def pdf_image_count(data: bytes, tmp_path) -> int:
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    result = subprocess.run([program("pdfimages"), "-list", str(path)], capture_output=True, check=True, text=True)
    return len(result.stdout.strip().splitlines()) - 2  # two header lines


def page(body: str) -> str:
    return f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"></head><body>{body}</body></html>'


@pytest.fixture
def static_png(settings, tmp_path):
    """A PNG reachable as /static/test-pixel.png through the staticfiles finders (and as a file:// path)."""
    static_dir = tmp_path / "static"
    static_dir.mkdir()
    (static_dir / "test-pixel.png").write_bytes(png_bytes())
    settings.STATICFILES_DIRS = [static_dir]
    return static_dir / "test-pixel.png"


@pytest.fixture
def http_server():
    """A local HTTP server that records every path it is asked for."""
    requested: list[str] = []
    image = png_bytes("blue")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requested.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(image)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", requested
    server.shutdown()
    server.server_close()


def test_render_pdf_returns_a_pdf_with_chinese_text():
    data = render_pdf(page("<h1>社区证明事项清单</h1><p>亲属关系证明</p>"))
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert "社区证明事项清单" in text
    assert "亲属关系证明" in text


def test_font_configuration_is_created_once_and_reused():
    render_pdf(page("<p>一</p>"))
    first = pdf._font_config
    render_pdf(page("<p>二</p>"))
    assert first is not None
    assert pdf._font_config is first


def test_static_file_and_data_url_images_are_embedded(static_png, tmp_path):
    # Positive control for the tests below: an allowed image really ends up in the PDF.
    data_url = "data:image/png;base64," + base64.b64encode(png_bytes("green")).decode()
    data = render_pdf(page(f'<img src="/static/test-pixel.png"><img src="{data_url}">'))
    assert pdf_image_count(data, tmp_path) == 2


def test_file_url_is_not_read(static_png, tmp_path):
    data = render_pdf(page(f'<p>文本</p><img src="file://{static_png}"><img src="file:///etc/passwd">'))
    assert data.startswith(b"%PDF")
    assert pdf_image_count(data, tmp_path) == 0


def test_http_url_is_never_requested(http_server, tmp_path):
    base, requested = http_server
    html = page(f'<img src="{base}/pixel.png"><link rel="stylesheet" href="{base}/style.css"><p>文本</p>')
    data = render_pdf(html)
    # Even with the server's own origin as base URL, only /static/ paths are served, and from disk.
    render_pdf(page('<img src="/pixel.png"><img src="/static/../pixel.png">'), base_url=f"{base}/")
    assert requested == []
    assert pdf_image_count(data, tmp_path) == 0


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.com/logo.png",
        "https://example.com/static/portal/pdf.css",
        "https://portal.invalid/etc/passwd",
        "https://portal.invalid/static/../../etc/passwd",
        "https://portal.invalid/static/%2e%2e/%2e%2e/etc/passwd",
        "https://portal.invalid/static//etc/passwd",
        "https://portal.invalid/static/no-such-file.css",
        "ftp://example.com/file",
    ],
)
def test_fetcher_refuses_everything_but_our_static_files(url):
    with pytest.raises(RefusedURL):
        make_url_fetcher().fetch(url)


def test_fetcher_serves_static_files_and_data_urls():
    fetcher = make_url_fetcher()
    response = fetcher.fetch("https://portal.invalid/static/portal/pdf.css")
    assert b"@page" in response.read()
    assert response.content_type == "text/css"
    response = fetcher.fetch("data:text/plain;base64," + base64.b64encode("你好".encode()).decode())
    assert response.read().decode() == "你好"


@pytest.fixture
def production_static(settings, tmp_path):
    """Production's static storage: the manifest's hashed names, served from files collectstatic wrote."""
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path / "collected"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)
    return settings.STATIC_ROOT


def test_hashed_static_names_of_production_are_served(production_static):
    """With the manifest storage `{% static %}` gives pdf.<hash>.css: every PDF lost its stylesheet and font."""
    from django.templatetags.static import static

    css_url = static("portal/pdf.css")
    assert css_url != "/static/portal/pdf.css"  # hashed, as in production
    response = make_url_fetcher().fetch(f"https://portal.invalid{css_url}")
    assert b"font-family" in response.read()
    font_url = static("fonts/PortalSerifSC-Common.otf")
    style = (
        f'@font-face {{ font-family: "PortalCommon"; src: url("{font_url}"); }} p {{ font-family: "PortalCommon"; }}'
    )
    data = render_pdf(page(f'<style>{style}</style><link rel="stylesheet" href="{css_url}"><p>社区证明</p>'))
    # The compact font from the hashed URL is embedded (without it the text falls back to the full system font).
    assert "+PortalCommon " in pdf_fonts(data, production_static)


def pdf_fonts(data: bytes, tmp_path) -> str:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(data)
    return subprocess.run([program("pdffonts"), str(path)], capture_output=True, check=True, text=True).stdout
