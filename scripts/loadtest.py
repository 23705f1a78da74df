"""`make loadtest`: a bounded load on the portal as `make serve` runs it (gunicorn, production settings) on 127.0.0.1.

wrk (Debian's package; C, so the load generator takes little of a 2-core machine's CPU from the server) drives each
page for --duration seconds with --connections connections. Signed-in pages use sessions made by signing in through
the forms with the demo accounts (password, then the TOTP code from the demo secret, README.md). A bare Django view
rendering a 50-row table (routed only with LOADTEST_BARE_VIEW=1) is measured in the same run as the yardstick.
Then --rss-requests mixed requests, PDF downloads included, and the RSS of each gunicorn worker. With Redis, repeated
views of the signed-in pages and the verification page are served from the page cache (portal/pagecache.py), as
production serves a page reloaded while nothing on it changed; `PAGE_CACHE_SECONDS=0 make loadtest` measures them
computed on every view.

Needs the demo data (DEBUG=1 manage.py seed_demo) in DATABASE_URL and collected static files: `make loadtest`
does both. Prints one line per page: req/s, p50, p95, p99 (ms), errors, ratio to the bare view.
"""

from __future__ import annotations

import argparse
import base64
import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = ROOT / ".venv" / "bin" / "python"
PASSWORD = "demo-pass-2026"  # noqa: S105 - the published demo password (README.md), development data only
COMMUNITY = "610113001001"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(port: int) -> dict[str, str]:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            cache = "redis://127.0.0.1:6379/14"
    except OSError:
        cache = ""
    return {
        **os.environ,
        "SECRET_KEY": os.environ.get("SECRET_KEY", "local-loadtest-not-a-secret"),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "PORTAL_BASE_URL": f"http://127.0.0.1:{port}",
        "DEBUG": "0",
        "REDIS_URL": cache,
        "WEB_CONCURRENCY": "2" if cache else "1",
        "BIND": f"127.0.0.1:{port}",
        "LOADTEST_BARE_VIEW": "1",
        # The load comes from one address: the per-address limits would turn it into 429s.
        "VERIFY_RATE_LIMIT": "100000000",
        "API_PUBLIC_RATE_LIMIT": "100000000",
        "LOG_LEVEL": "ERROR",
    }


class Session:
    """A signed-in browser: cookies, the sign-in form, the second step with the demo TOTP code."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def _plain_http(self) -> None:
        # Production marks the session and CSRF cookies Secure; like a browser on http://127.0.0.1 (a secure
        # context), send them back anyway.
        for cookie in self.jar:
            cookie.secure = False

    def get(self, path: str) -> tuple[int, bytes, str]:
        self._plain_http()
        try:
            with self.opener.open(self.base + path, timeout=60) as response:
                return response.status, response.read(), response.url
        except urllib.error.HTTPError as error:
            return error.code, error.read(), error.url
        except urllib.error.URLError:
            return 0, b"", ""

    def post(self, path: str, data: dict) -> tuple[int, bytes, str]:
        self._plain_http()
        token = next(c.value for c in self.jar if c.name == "csrftoken")
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(self.base + path, data=body, headers={"Referer": self.base + path})
        with self.opener.open(request, timeout=60) as response:
            return response.status, response.read(), response.url

    def sign_in(self, username: str, secret: str | None) -> None:
        self.get("/accounts/login/")
        _, _, url = self.post("/accounts/login/", {"username": username, "password": PASSWORD})
        if secret:
            from django_otp.oath import totp

            code = f"{totp(base64.b32decode(secret)):06d}"
            _, _, url = self.post("/accounts/second-step/", {"code": code})
        if "/accounts/" in url:
            sys.exit(f"loadtest: signing in as {username} failed (ended on {url})")

    @property
    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def wrk(url: str, cookie: str, duration: int, connections: int) -> dict:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "30s"]
    command += ["-s", str(ROOT / "scripts" / "loadtest.lua")]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def worker_rss_mb(master: int) -> list[float]:
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{master}$", text, re.M):
            sizes.append(int(re.search(r"^VmRSS:\s+(\d+)", text, re.M).group(1)) / 1024)
    return sizes


def discover(env: dict) -> dict[str, str]:
    """An item, an issued certificate and the demo secrets, read from the database the server uses."""
    script = (
        "import json;"
        "from catalog.selectors import effective_issuable_items;"
        "from certificates.models import IssuedCertificate;"
        "from portal.demo import demo_totp_secret;"
        "from portal.models import Region;"
        f"c=Region.objects.get(code='{COMMUNITY}');"
        "cert=IssuedCertificate.objects.filter(entry__community=c).select_related('entry').first();"
        "print(json.dumps({'item': effective_issuable_items(c).first().code,"
        "'code': cert.code if cert else '', 'request': cert.entry.request_id if cert else '',"
        "'secrets': {u: demo_totp_secret(u) for u in ('staff_x','director','county_yanta')}}))"
    )
    out = subprocess.run(
        [str(PY), "manage.py", "shell", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10, help="seconds per page")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--rss-requests", type=int, default=1000)
    parser.add_argument("--pages", default="", help="comma-separated words of the pages to load (default: all)")
    options = parser.parse_args()

    port = free_port()
    env = server_env(port)
    base = f"http://127.0.0.1:{port}"
    found = discover(env)
    server = subprocess.Popen(
        [str(PY.parent / "gunicorn"), "portal.wsgi", "-c", "portal/gunicorn.conf.py", "--access-logfile", "/dev/null"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        anonymous = Session(base)
        for _ in range(150):
            if anonymous.get("/healthz")[0] == 200:
                break
            time.sleep(0.2)
        sessions = {"resident_a": Session(base)}
        sessions["resident_a"].sign_in("resident_a", None)
        for user, secret in found["secrets"].items():
            sessions[user] = Session(base)
            sessions[user].sign_in(user, secret)
        verify_path = f"/verify/{found['code']}/" if found["code"] else "/verify/"
        pages = [
            ("bare 50-row table", None, "/loadtest/bare-table/"),
            # The same view with a staff session: the floor of every signed-in page (session, user, TOTP device,
            # memberships, the second-step check), so that a page's ratio can be read against what signing in costs.
            ("bare, signed in", "staff_x", "/loadtest/bare-table/"),
            ("public list", None, "/catalog/"),
            ("item page", None, f"/catalog/c/{COMMUNITY}/issuable/{found['item']}/"),
            ("verification", None, verify_path),
            ("staff queue", "staff_x", "/desk/"),
            ("register", "director", f"/desk/register/{COMMUNITY}/"),
            ("county page", "county_yanta", "/desk/county/"),
            ("my requests", "resident_a", "/requests/"),
        ]
        print(
            f"loadtest: gunicorn {env['WEB_CONCURRENCY']} sync workers on {base}, wrk 1 thread × "
            f"{options.connections} connections × {options.duration}s per page, "
            f"database {env.get('DATABASE_URL', 'sqlite (default)').split('@')[-1]}, page cache "
            # portal/pagecache.py: with it, a repeated view of the signed-in pages and the verification page is served
            # from Redis; PAGE_CACHE_SECONDS=0 measures them computed on every view.
            + ("on" if env["REDIS_URL"] and env.get("PAGE_CACHE_SECONDS", "60") != "0" else "off")
        )
        bare_rps = None
        for name, user, path in pages:
            if options.pages and name != pages[0][0] and not any(key in name for key in options.pages.split(",")):
                continue
            session = sessions[user] if user else anonymous
            status, _, url = session.get(path)
            if status != 200 or not url.endswith(path):
                sys.exit(f"loadtest: {name} {path} answers {status} at {url} before the load; fix the set-up")
            cookie = session.cookie if user else ""
            # Warm-up, not measured: each worker's first requests of a page compile its templates and open its
            # connections, which otherwise made a page's p95 out of a handful of start-up requests.
            wrk(base + path, cookie, 1, options.connections)
            result = wrk(base + path, cookie, options.duration, options.connections)
            bare_rps = bare_rps or result["rps"]
            print(
                f"{name:<18} {result['rps']:7.1f} req/s  p50 {result['p50']:6.1f} ms  p95 {result['p95']:6.1f} ms  "
                f"p99 {result['p99']:6.1f} ms  errors {result['errors']}  ratio {result['rps'] / bare_rps:.2f}",
                flush=True,
            )
        # Memory: mixed requests, PDFs included (the community's notice board, an issued certificate).
        mixed = [(user, path) for _, user, path in pages] + [(None, f"/catalog/c/{COMMUNITY}/notice-board.pdf")]
        if found["request"]:
            mixed.append(("staff_x", f"/issuance/{found['request']}/certificate.pdf"))
        statuses: dict[int, int] = {}
        for n in range(options.rss_requests):
            user, path = mixed[n % len(mixed)]
            status = (sessions[user] if user else anonymous).get(path)[0]
            statuses[status] = statuses.get(status, 0) + 1
        # 429 here is the public PDF limit per client address and minute (catalog/views/public.py), by design.
        failures = ", ".join(f"HTTP {code}: {count}" for code, count in sorted(statuses.items()))
        sizes = worker_rss_mb(server.pid)
        print(
            f"rss after {options.rss_requests} mixed requests ({len(mixed)} kinds, PDFs included; {failures}): "
            + ", ".join(f"{size:.0f} MB" for size in sizes)
            + f" per worker (goal < 300 MB): {'ok' if sizes and max(sizes) < 300 else 'OVER'}"
        )
        return 0
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
