"""CPU per page in one process, the pages of `make loadtest`: a figure that a shared, busy machine disturbs far less than
wrk's requests per second (which measure the neighbours' load as much as the portal).

    DATABASE_URL=postgres://…/your_db .venv/bin/python scripts/pageprofile.py [-n 20] [--pages register,county]
        [--profile] [--dump DIR]

Production settings (DEBUG off, the cached template loader), the demo data of `make loadtest` (seed_demo; pages with
rows need `seed_demo --requests N`). Signed-in pages use the demo accounts, signed in without the forms: the session
holds the user and its TOTP device as after the second step. Prints per page: wall and CPU time of this process (the
database's own CPU is not in it), the part spent rendering templates, queries, translation calls and bytes.
--profile adds a cProfile listing per page; --dump writes each page's HTML (csrf tokens blanked) in both languages, to
compare the output before and after a change.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMUNITY = "610113001001"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=20, help="requests per page")
    parser.add_argument("--pages", default="", help="comma-separated page keys (default: all)")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--sort", default="cumulative", help="the profile's order: cumulative or tottime (self time)")
    parser.add_argument("--dump", default="")
    options = parser.parse_args()

    os.environ.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        SECRET_KEY=os.environ.get("SECRET_KEY", "local-pageprofile-not-a-secret"),
        ALLOWED_HOSTS="127.0.0.1,testserver",
        SECURE_SSL_REDIRECT="0",
        PORTAL_BASE_URL="http://127.0.0.1:8000",
        DEBUG="0",
        LOADTEST_BARE_VIEW="1",
        LOG_LEVEL="ERROR",
        VERIFY_RATE_LIMIT="100000000",
        API_PUBLIC_RATE_LIMIT="100000000",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import django.template.backends.django as template_backend
    import django.utils.translation as translation
    import django.utils.translation.trans_real as trans_real
    from django.db import connection
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from catalog.selectors import effective_issuable_items
    from certificates.models import IssuedCertificate
    from portal.models import Region, User

    community = Region.objects.get(code=COMMUNITY)
    certificate = IssuedCertificate.objects.filter(entry__community=community).first()
    pages = [
        ("bare", None, "/loadtest/bare-table/"),
        ("bare-staff", "staff_x", "/loadtest/bare-table/"),  # the floor of a signed-in page
        ("public", None, "/catalog/"),
        ("item", None, f"/catalog/c/{COMMUNITY}/issuable/{effective_issuable_items(community).first().code}/"),
        ("verify", None, f"/verify/{certificate.code}/" if certificate else "/verify/"),
        ("queue", "staff_x", "/desk/"),
        ("queue-closed", "staff_x", "/desk/?tab=closed"),
        ("register", "director", f"/desk/register/{COMMUNITY}/"),
        ("county", "county_yanta", "/desk/county/"),
        ("mine", "resident_a", "/requests/"),
    ]
    chosen = set(filter(None, options.pages.split(",")))

    clients: dict[str | None, Client] = {}

    def client_for(username: str | None) -> Client:
        if username not in clients:
            client = Client(HTTP_HOST="127.0.0.1")
            if username:
                user = User.objects.get(username=username)
                client.force_login(user, backend="portal.auth.PhoneOrUsernameBackend")
                device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
                if device:
                    session = client.session
                    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
                    session.save()
            clients[username] = client
        return clients[username]

    # Counters: translations (every gettext the templates and lazy strings make), template CPU, queries.
    counted = {"gettext": 0, "template": 0.0, "depth": 0, "queries": 0}
    translation.gettext("")  # binds translation._trans to the real module's functions

    def counting(real):
        def call(*args):
            counted["gettext"] += 1
            return real(*args)

        return call

    for name in ("gettext", "pgettext", "ngettext", "npgettext"):
        setattr(translation._trans, name, counting(getattr(trans_real, name)))
    real_render = template_backend.Template.render

    def timed_render(self, *args, **kwargs):
        counted["depth"] += 1
        started = time.process_time()
        try:
            return real_render(self, *args, **kwargs)
        finally:
            counted["depth"] -= 1
            if not counted["depth"]:
                counted["template"] += time.process_time() - started

    template_backend.Template.render = timed_render

    def count_query(execute, sql, params, many, context):
        counted["queries"] += 1
        return execute(sql, params, many, context)

    print(f"{'page':<13} {'wall ms':>8} {'cpu ms':>7} {'template':>8} {'queries':>7} {'gettext':>7} {'bytes':>7}")
    for key, username, path in pages:
        if chosen and key not in chosen:
            continue
        client = client_for(username)
        response = client.get(path)
        if response.status_code != 200:
            print(f"{key}: {path} answers {response.status_code} {response.get('Location', '')}")
            continue
        counted.update(gettext=0, queries=0)
        with connection.execute_wrapper(count_query):
            client.get(path)
        per_page = dict(counted)
        counted["template"] = 0.0
        profiler = cProfile.Profile() if options.profile else None
        if profiler:
            profiler.enable()
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(options.n):
            client.get(path)
        wall, cpu = (time.perf_counter() - wall) / options.n, (time.process_time() - cpu) / options.n
        if profiler:
            profiler.disable()
        print(
            f"{key:<13} {wall * 1000:8.1f} {cpu * 1000:7.1f} {counted['template'] / options.n * 1000:8.1f} "
            f"{per_page['queries']:7d} {per_page['gettext']:7d} {len(response.content):7d}",
            flush=True,
        )
        if profiler:
            pstats.Stats(profiler).sort_stats(options.sort).print_stats(40)
        if options.dump:
            folder = Path(options.dump)
            folder.mkdir(parents=True, exist_ok=True)
            for language in ("zh-hans", "en"):
                client.cookies["django_language"] = language
                html = client.get(path).content.decode()
                html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value=""', html)
                (folder / f"{key}.{language}.html").write_text(html)
            client.cookies["django_language"] = "zh-hans"
    return 0


if __name__ == "__main__":
    sys.exit(main())
