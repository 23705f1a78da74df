"""Older residents (issue 9): the 关怀版 switch (large text, high contrast, remembered per browser), resident pages
usable at 200% zoom on a phone, touch targets of at least 44 px. Screenshots in both modes."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

RESIDENT_PAGES = [
    "/",
    "/catalog/",
    "/catalog/c/610113001001/",
    "/requests/",
    "/accounts/community/",
    "/accounts/settings/",
]
ANONYMOUS_PAGES = ["/accounts/login/", "/accounts/sign-up/"]
# Joining and signing in, for someone not signed in yet: by password, by SMS code, a password forgotten.
SIGN_IN_PAGES = ["/accounts/sign-up/", "/accounts/login/", "/accounts/login/sms/", "/accounts/password-reset/sms/"]

# Targets a finger must hit: buttons, fields, menu links and button-like links (links inside running text are exempt,
# as WCAG 2.5.8 exempts inline targets). Checkboxes and radios are measured by their row (label included).
SMALL_TARGETS = """() => Array.from(document.querySelectorAll(
    'main button, main .btn, main input:not([type=hidden]):not([type=checkbox]):not([type=radio]), main select,'
    + ' main .form-check, nav .nav-link'))
  .filter(e => e.offsetParent !== null && !e.closest('[aria-hidden=true], .visually-hidden'))
  .map(e => [e.outerHTML.slice(0, 80), Math.round(e.getBoundingClientRect().height)])
  .filter(([, h]) => h > 0 && h < 44)"""
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def check_page(page, path):
    page.goto(path)
    assert page.evaluate(SMALL_TARGETS) == [], path
    assert page.evaluate(OVERFLOW) <= 1, f"{path} scrolls sideways"


def test_care_mode_is_remembered_and_pages_stay_usable(personas, open_page, sign_in, shoot):
    page = open_page("phone")
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ANONYMOUS_PAGES:
        check_page(page, path)
    sign_in(page, personas.resident_a)
    for path in RESIDENT_PAGES:
        check_page(page, path)
    page.goto("/catalog/c/610113001001/")
    shoot(page, "standard-390")

    page.get_by_role("button", name="展开菜单").click()
    expect(page.locator("#main-nav.show")).to_be_visible()  # opened: its buttons no longer move under the click
    expect(page.locator("#main-nav.collapsing")).to_have_count(0)
    page.locator("#care-switch").click()
    expect(page.locator("body")).to_have_class(re.compile("care-mode"))
    page.goto("/accounts/settings/")  # remembered on the next page
    expect(page.locator("body")).to_have_class(re.compile("care-mode"))
    font = page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
    assert font >= 20
    for path in RESIDENT_PAGES:
        check_page(page, path)
    page.goto("/catalog/c/610113001001/")
    shoot(page, "care-390")

    # 200% zoom on a 390 px phone leaves a 195 px wide page: nothing may scroll sideways
    page.set_viewport_size({"width": 195, "height": 422})
    for path in RESIDENT_PAGES:
        page.goto(path)
        assert page.evaluate(OVERFLOW) <= 1, f"{path} scrolls sideways at 200%"
    page.goto("/accounts/community/")
    shoot(page, "care-200-percent")

    desktop = open_page("desktop")
    sign_in(desktop, personas.resident_a)
    desktop.context.add_cookies([{"name": "care_mode", "value": "1", "url": desktop.url}])
    desktop.goto("/catalog/c/610113001001/")
    shoot(desktop, "care-1280")


def test_standard_look_signing_up_and_in_at_200_percent(open_page, shoot, live_server):
    signing_up_and_in_at_200_percent("standard", open_page, shoot, live_server)


def test_care_look_signing_up_and_in_at_200_percent(open_page, shoot, live_server):
    signing_up_and_in_at_200_percent("care", open_page, shoot, live_server)


def signing_up_and_in_at_200_percent(mode, open_page, shoot, live_server):
    """200% zoom on a 390 px phone (a 195 px wide page): joining and signing in never scroll sideways and every
    target stays at least 44 px, in the standard and the 关怀版 look, also with the form's error messages shown."""
    page = open_page("phone")
    if mode == "care":
        page.context.add_cookies([{"name": "care_mode", "value": "1", "url": live_server.url}])
    page.set_viewport_size({"width": 195, "height": 422})
    for path in SIGN_IN_PAGES:
        check_page(page, path)
        if mode == "care":
            expect(page.locator("body")).to_have_class(re.compile("care-mode"))
        shoot(page, f"{mode}-200-{path.strip('/').replace('/', '-')}")
    # the sign-up form sent empty: every message shown at once, still within the screen
    page.goto("/accounts/sign-up/")
    page.get_by_role("button", name="注册").click()
    expect(page.locator(".invalid-feedback, .alert-danger").first).to_be_visible()
    assert page.evaluate(OVERFLOW) <= 1, "sign-up with its errors scrolls sideways at 200%"
    assert page.evaluate(SMALL_TARGETS) == []
    shoot(page, f"{mode}-200-sign-up-errors")
