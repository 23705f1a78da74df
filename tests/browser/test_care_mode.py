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
