"""The browser journeys fail on a Content-Security-Policy violation: proof that the hook in conftest.py sees one."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

INJECT_INLINE_SCRIPT = """() => {
  const script = document.createElement("script");
  script.textContent = "window.injected = true;";
  document.body.appendChild(script);
}"""
INJECT_INLINE_STYLE = """() => {
  const style = document.createElement("style");
  style.textContent = "body { background: red; }";
  document.head.appendChild(style);
}"""


@pytest.mark.parametrize("inject", [INJECT_INLINE_SCRIPT, INJECT_INLINE_STYLE], ids=["script", "style"])
def test_an_injected_inline_script_or_style_is_blocked_and_fails_the_journey(open_page, inject):
    page = open_page("desktop")
    page.goto("/")
    assert open_page.problems == []  # the home page itself breaks no rule
    with page.expect_console_message(lambda message: "Content Security Policy" in message.text):
        page.evaluate(inject)
    assert page.evaluate("() => window.injected === undefined")  # the policy blocked the script
    assert any("Content-Security-Policy violation" in problem for problem in open_page.problems)
    open_page.problems.clear()  # seen and asserted here; any other problem would still fail this test
