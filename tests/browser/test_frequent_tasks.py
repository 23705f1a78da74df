"""The three most frequent tasks, walked in a real browser at phone width (390 px) and counted: clicks (taps), page
loads, fields typed and files chosen. The figures are PRINTED (and written beside the screenshots); they are
recorded in README.md ("常用任务的步骤数"). No timing is measured or asserted; the only ceiling asserted is the one
issue 14 states: the director signs one matter in at most 2 clicks after signing in.

* a resident, signed in, from the home page to a submitted application;
* a director from the sign-in page to a signed matter;
* a county officer from the sign-in page to a published item.

Each step leaves a screenshot in $JOURNEY_SHOTS (default: <tmp>/frequent-tasks/) for a person to look at.
`Journey` counts generically: the officer's item form is changing (codes derived from Chinese labels, an edit
reason), so that journey fills whatever the current form asks for (fill_if_present) and the counts follow.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from catalog.models import IssuableItem
from catalog.models import Status as ItemStatus
from certificates.demo import TINY_PDF
from certificates.models import CertificateRequest, Status
from tests.browser.conftest import PASSWORD, current_code, totp_device
from tests.factories import make_request

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
SHOTS = Path(os.environ.get("JOURNEY_SHOTS") or Path(tempfile.gettempdir()) / "frequent-tasks")
DIRECTOR_CEILING = 2  # issue 14: "The director signs one matter from the list in ≤ 2 clicks after signing in."
ITEM = "亲属关系证明（仅限公证）"


@dataclass
class Journey:
    """Walks a task on one page and counts what the person does. Use its methods instead of the page's for every
    action that a person performs; `mark("signed in")` records the counts so far as a milestone."""

    name: str
    page: Page
    clicks: int = 0
    loads: int = 0
    fields: int = 0
    files: int = 0
    milestones: list[tuple[str, int, int]] = field(default_factory=list)
    shots: list[Path] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("load", lambda _page: self._loaded())

    def _loaded(self) -> None:
        self.loads += 1

    def goto(self, url: str) -> None:
        """Typing an address (or opening a bookmark): a page load, no click."""
        self.page.goto(url)

    def click(self, target: Locator) -> None:
        target.click()
        self.clicks += 1

    def fill(self, target: Locator, value: str) -> None:
        target.fill(value)
        self.fields += 1

    def fill_if_present(self, scope: Page | Locator, label: str, value: str) -> bool:
        """Fill the first field labelled `label` if the current form has one (forms change; counts follow)."""
        target = scope.get_by_label(label)
        if target.count() == 0:
            return False
        self.fill(target.first, value)
        return True

    def select(self, target: Locator, label: str) -> None:
        target.select_option(label=label)
        self.fields += 1

    def choose_file(self, target: Locator, path: Path) -> None:
        target.set_input_files(str(path))
        self.files += 1

    def shoot(self, step: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{self.name}--{len(self.shots) + 1:02d}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.shots.append(path)
        return path

    def mark(self, milestone: str) -> None:
        self.milestones.append((milestone, self.clicks, self.loads))

    def since(self, milestone: str) -> tuple[int, int]:
        """(clicks, page loads) after the milestone."""
        _name, clicks, loads = next(m for m in self.milestones if m[0] == milestone)
        return self.clicks - clicks, self.loads - loads

    def report(self) -> str:
        parts = [f"{self.clicks} clicks", f"{self.loads} page loads", f"{self.fields} fields typed or chosen"]
        if self.files:
            parts.append(f"{self.files} files chosen")
        line = f"{self.name}: " + ", ".join(parts)
        for milestone, _clicks, _loads in self.milestones:
            clicks, loads = self.since(milestone)
            line += f"; after {milestone}: {clicks} clicks, {loads} page loads"
        return line


@pytest.fixture
def journey(open_page, capsys):
    """journey("name") → a Journey on a fresh phone-sized page; every report is printed when the test ends."""
    made: list[Journey] = []

    def _journey(name: str) -> Journey:
        page = open_page("phone")
        page.set_viewport_size(PHONE)
        made.append(Journey(name, page))
        return made[-1]

    yield _journey
    with capsys.disabled():
        for walked in made:
            print(f"\n[frequent task] {walked.report()}  (screenshots: {SHOTS}/{walked.name}--*.png)")
            SHOTS.mkdir(parents=True, exist_ok=True)
            (SHOTS / f"{walked.name}.txt").write_text(walked.report() + "\n", encoding="utf-8")


def sign_in_counted(walk: Journey, user) -> None:
    """The sign-in form and, for everyone but residents, the authenticator's code: counted like any other step."""
    from portal.access import needs_second_factor
    from portal.models import User

    device = totp_device(user) if needs_second_factor(User.objects.get(pk=user.pk)) else None
    walk.goto("/accounts/login/")
    walk.fill(walk.page.locator("input[name=username]"), user.username)
    walk.fill(walk.page.locator("input[name=password]"), PASSWORD)
    walk.shoot("sign-in")
    walk.click(walk.page.get_by_role("button", name="登录", exact=True))
    expect(walk.page).not_to_have_url(re.compile(r"/accounts/login/"))
    if device is not None:
        expect(walk.page).to_have_url(re.compile(r"/accounts/second-step/"))
        walk.fill(walk.page.locator("#id_code"), current_code(device))
        walk.click(walk.page.get_by_role("button", name="验证并登录"))
        expect(walk.page).not_to_have_url(re.compile(r"/accounts/second-step/"))
    expect(walk.page.locator("nav .navbar-text")).to_have_text(user.display_name)


def open_menu_item(walk: Journey, name: str) -> None:
    """A link of the main navigation; on a phone the menu is folded, so opening it is a click of its own."""
    nav = walk.page.get_by_role("navigation", name="主导航")
    toggler = nav.locator(".navbar-toggler")
    if toggler.is_visible():
        walk.click(toggler)
    walk.click(nav.get_by_role("link", name=name, exact=True))


def test_a_resident_from_the_home_page_to_a_submitted_application(personas, journey, sign_in, tmp_path):
    id_card, household = tmp_path / "身份证.pdf", tmp_path / "户口簿.pdf"
    id_card.write_bytes(TINY_PDF)
    household.write_bytes(TINY_PDF)
    walk = journey("resident-applies")
    sign_in(walk.page, personas.resident_a)  # signed in earlier (a phone keeps the session): not counted
    walk.goto("/")
    walk.loads = 0  # from the home page on
    walk.shoot("home")

    walk.click(walk.page.get_by_role("link", name="申请证明"))  # the 我的社区 card
    expect(walk.page.get_by_role("heading", level=1)).to_have_text("育才路社区居民委员会")
    walk.shoot("community-list")
    issuable = walk.page.locator("section[aria-labelledby=issuable-heading]")
    walk.click(issuable.get_by_role("link", name=ITEM))
    expect(walk.page.get_by_role("heading", level=1)).to_have_text(ITEM)
    walk.shoot("item")
    walk.click(walk.page.get_by_role("link", name="在线申请"))
    expect(walk.page.get_by_role("heading", level=1)).to_have_text(ITEM)
    walk.shoot("form")

    page = walk.page
    walk.fill(page.get_by_label("联系电话"), "13800138000")
    walk.fill(page.get_by_label("要求出具证明的单位"), "西安市某公证处")
    walk.fill(page.get_by_label("该单位说明的依据"), "《中华人民共和国公证法》第十一条")
    walk.fill(page.get_by_label("亲属姓名"), "李四")
    walk.fill(page.get_by_label("亲属关系"), "父子")
    walk.fill(page.get_by_label("公证机构名称"), "西安市某公证处")
    materials = page.locator("fieldset.material-row")
    walk.choose_file(materials.filter(has_text="当事人居民身份证").locator("input[type=file]"), id_card)
    walk.choose_file(materials.filter(has_text="当事人户口簿").locator("input[type=file]"), household)
    walk.shoot("form-filled")
    walk.click(page.get_by_role("button", name="提交申请"))

    expect(page).to_have_url(re.compile(r"/requests/\d+/$"))
    expect(page.get_by_role("alert")).to_contain_text("申请已提交")
    walk.shoot("submitted")
    assert CertificateRequest.objects.get(applicant=personas.resident_a).status == Status.SUBMITTED


def test_a_director_from_sign_in_to_a_signed_matter(personas, journey):
    request = make_request(
        community=personas.community_x,
        item=IssuableItem.objects.get(code="610113-ZM01"),
        applicant=personas.resident_a,
        status=Status.AWAITING_SIGNATURE,
        verified_by=personas.staff_x,
        field_values={"relative_name": "李四", "relation": "父子", "notary_office": "西安市某公证处"},
    )
    walk = journey("director-signs")
    sign_in_counted(walk, personas.director)
    walk.mark("signing in")
    expect(walk.page).to_have_url(re.compile(r"/desk/\?tab=signature"))
    expect(walk.page.locator(".certificate-preview")).to_contain_text("李四")
    walk.shoot("sign-list")
    walk.click(walk.page.get_by_role("button", name="签字批准并登记"))
    expect(walk.page.get_by_text("已签字：亲属关系证明")).to_be_visible()
    walk.shoot("signed")
    request.refresh_from_db()
    assert request.status == Status.SIGNED
    clicks, _loads = walk.since("signing in")
    assert clicks <= DIRECTOR_CEILING, walk.report()


def test_a_county_officer_from_sign_in_to_a_published_item(personas, journey):
    code, name = "610113-ZM91", "步骤计数居住情况证明"
    walk = journey("officer-publishes")
    sign_in_counted(walk, personas.county_officer)
    walk.mark("signing in")
    walk.shoot("landing")
    open_menu_item(walk, "清单维护")
    walk.shoot("dashboard")
    walk.click(walk.page.get_by_role("link", name="新建可出具事项"))
    page = walk.page
    expect(page.get_by_role("heading", level=1)).to_have_text("新建可出具证明事项")
    walk.shoot("new-item-form")

    # Whatever the current form asks for: a code only while officers still type one, an edit reason once asked.
    walk.fill_if_present(page, "事项编码", code)
    walk.fill(page.get_by_label("事项名称"), name)
    bases = page.locator("#section-legal_bases")
    walk.fill(bases.get_by_label("文件名称").first, "居住证暂行条例")
    walk.fill(bases.get_by_label("制定机关").first, "国务院")
    walk.fill(bases.get_by_label("条款").first, "第九条")
    walk.fill(page.get_by_label("办理用途"), "办理居住证")
    walk.fill(page.locator("#section-materials").get_by_label("材料名称").first, "居民身份证")
    walk.fill(page.get_by_label("出具时限（工作日）"), "3")
    walk.fill(page.get_by_label("证明正文"), "兹证明{applicant_name}居住在{community_name}辖区。\n特此证明。")
    for reason_label in ("修改理由", "修改原因", "编辑理由", "变更理由"):
        if walk.fill_if_present(page, reason_label, "新增事项"):
            break
    walk.shoot("new-item-filled")
    walk.click(page.get_by_role("button", name="保存为草稿"))
    errors = page.locator(".invalid-feedback, .alert-danger")
    assert page.get_by_role("alert").filter(has_text="草稿已保存").count() or not errors.count(), (
        "the item form asked for more than this journey fills: " + " | ".join(errors.all_inner_texts())
    )
    expect(page.get_by_role("alert")).to_contain_text("草稿已保存")
    walk.shoot("draft")
    walk.click(page.get_by_role("button", name="发布", exact=True))
    expect(page.get_by_role("alert")).to_contain_text("已发布")
    walk.shoot("published")
    assert IssuableItem.objects.get(name=name).status == ItemStatus.PUBLISHED
