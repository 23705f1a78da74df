"""Real-browser journeys: Playwright for Python driving Debian's chromium against pytest-django's live server.

One chromium for all the journeys, a fresh browser context (its own cookies, so its own signed-in person) for
every person in a test. `open_page("phone")` is a 375×812 touch screen, `open_page("desktop")` a 1280×900 window;
`sign_in(page, user)` logs in through the real login form, and for everyone but residents through the second step
with a code computed from the user's TOTP secret. `shoot(page, "step")` leaves a screenshot of each main
step in screenshots/browser/ so that a person can look at what the test saw.

Every page fails its test on a JavaScript error, on a Content-Security-Policy violation (an inline script, style or
handler the policy blocked: see settings.CONTENT_SECURITY_POLICY) or on a server error (HTTP 5xx) seen while it was
open. `open_page.problems` lists what was seen so far.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "browser"
PASSWORD = "pw-12345678"  # tests.factories.UserFactory
TIMEOUT_MS = 10_000  # for actions and for expect(): generous on a loaded machine, still quick to fail

# Chromium reports a blocked inline script or style on the console ("Refused to execute inline script because it
# violates the following Content Security Policy directive ..."); the page's securitypolicyviolation event is logged
# too, with this prefix, in case a later chromium words its console message differently.
CSP_EVENT_PREFIX = "CSP violation:"
CSP_LISTENER = (
    "document.addEventListener('securitypolicyviolation', function (e) {"
    f" console.error('{CSP_EVENT_PREFIX} ' + e.effectiveDirective + ' blocked ' + e.blockedURI); }});"
)


def is_csp_violation(text: str) -> bool:
    return text.startswith(CSP_EVENT_PREFIX) or ("Refused to" in text and "Content Security Policy" in text)


DEVICES = {
    "phone": {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}


@pytest.fixture(scope="package")
def browser(django_db_setup):
    """One chromium for all the journeys of this package.

    Package scope, not session scope: while Playwright runs, its event loop stays marked as running in the test
    thread (see below), which changes how Django looks up database connections. Stopping Playwright after the last
    browser test gives the rest of the suite its ordinary thread back. pytest-django runs the transactional tests
    together, so the journeys still share one browser.
    """
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser journeys drive Debian's chromium (Playwright cannot download its "
            "own browser here). Install it with `make test` or `apt-get install chromium`.",
            pytrace=False,
        )
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Django keeps a thread's connections per asyncio context while an event loop runs in the thread, so once
    # Playwright has started, this thread gets new connection objects (to the same test database). The snapshot
    # of the reference data that `serialized_rollback` restores after each flush hangs on the old ones: hand it on.
    snapshots = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API runs an asyncio event loop in the test's own thread (in a greenlet it switches to
        # during every call) and leaves that loop marked as running between calls. Django's ORM sees the running
        # loop and refuses every query with SynchronousOnlyOperation, although the test code (creating personas,
        # reading results back) is plain synchronous code that merely shares its thread with Playwright's idle
        # loop: no coroutine ever touches the database, and the live server answers in threads of its own. So the
        # check is switched off, for the browser journeys only: set for the whole run, the variable would also reach
        # subprocesses such as `manage.py check --deploy`, which rightly warns about it.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        playwright = sync_playwright().start()
        try:
            for alias, snapshot in snapshots.items():
                connections[alias]._test_serialized_contents = snapshot
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            expect.set_options(timeout=TIMEOUT_MS)
            try:
                yield chromium
            finally:
                chromium.close()
        finally:
            connections.close_all()  # the connections made while Playwright ran (a database must not stay in use)
            playwright.stop()


@pytest.fixture(scope="package")
def live_server(browser, live_server):
    """pytest-django's live server, started only after Playwright, so that it shares the connection the test code
    uses (an in-memory SQLite test database is reached through that one connection)."""
    return live_server


@pytest.fixture
def open_page(browser, live_server) -> Iterator[Callable]:
    """open_page("phone" | "desktop") → a page in a new, empty browser context on the live server."""
    contexts = []
    problems: list[str] = []

    def _open(device: str):
        context = browser.new_context(base_url=live_server.url, locale="zh-CN", **DEVICES[device])
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(CSP_LISTENER)  # run by the browser itself, not subject to the page's policy
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"JavaScript error on {page.url}: {error}"))
        page.on(
            "console",
            lambda message: (
                problems.append(f"Content-Security-Policy violation on {page.url}: {message.text}")
                if is_csp_violation(message.text)
                else None
            ),
        )
        page.on(
            "response",
            lambda response: (
                problems.append(f"HTTP {response.status} for {response.request.method} {response.url}")
                if response.status >= 500
                else None
            ),
        )
        return page

    _open.problems = problems
    yield _open
    for context in contexts:
        context.close()
    assert not problems, "\n".join(problems)


def totp_device(user):
    """The user's authenticator (made on first use, like an enrolment done earlier), reloaded for its last_t."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _created = TOTPDevice.objects.get_or_create(
        user=user, name="浏览器测试验证器", defaults={"confirmed": True}
    )
    device.refresh_from_db()
    return device


def current_code(device) -> str:
    """The code an authenticator app shows now; a code already used in this 30-second step is refused (replay
    protection), so a second sign-in within it takes the next step's code, which the tolerance of one step allows."""
    import time

    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if totp.t() <= device.last_t:
        totp.time += (device.last_t + 1 - totp.t()) * device.step
    return f"{totp.token():06d}"


@pytest.fixture
def sign_in() -> Callable:
    """sign_in(page, user): log in through the login form, as a person would, with the second step if asked."""
    from portal.access import needs_second_factor
    from portal.models import User

    def _sign_in(page, user) -> None:
        device = totp_device(user) if needs_second_factor(User.objects.get(pk=user.pk)) else None
        page.goto("/accounts/login/")
        page.locator("input[name=username]").fill(user.username)
        page.locator("input[name=password]").fill(PASSWORD)
        page.get_by_role("button", name="登录", exact=True).click()
        expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
        if device is not None:
            expect(page).to_have_url(re.compile(r"/accounts/second-step/"))
            page.locator("#id_code").fill(current_code(device))
            page.get_by_role("button", name="验证并登录").click()
            expect(page).not_to_have_url(re.compile(r"/accounts/second-step/"))
        # The navbar names who is signed in (inside the collapsed menu on a phone: its text, not its visibility).
        expect(page.locator("nav .navbar-text")).to_have_text(user.display_name)

    return _sign_in


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


class Shooter:
    """shoot(page, "step") saves a full-page screenshot as screenshots/browser/<test>--<NN>-<step>.png, where <test>
    is the start of the test's name and NN counts the steps; shoot.next_path("step") names another picture."""

    def __init__(self, folder: Path, test_name: str) -> None:
        self.prefix = "_".join(test_name.removeprefix("test_").split("_")[:3])
        self.folder = folder
        self.count = 0
        for old in folder.glob(f"{self.prefix}--*.png"):
            old.unlink()

    def next_path(self, step: str) -> Path:
        self.count += 1
        return self.folder / f"{self.prefix}--{self.count:02d}-{step}"

    def __call__(self, page, step: str) -> Path:
        path = self.next_path(step).with_suffix(".png")
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def shoot(request, screenshot_dir) -> Shooter:
    return Shooter(screenshot_dir, request.node.name)
