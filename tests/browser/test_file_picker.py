"""The file picker (portal/widgets.py) in a real chromium at phone width (390 px): the page says 选择文件 and
未选择文件 whatever the browser's language, never "Choose File"; tapping the label opens the file chooser, so does
the keyboard (Tab reaches the hidden input, Space opens it), and the chosen file's name is shown beside it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from certificates.demo import TINY_PDF

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_choosing_a_file_shows_its_name_in_chinese_at_phone_width(personas, open_page, sign_in, shoot, tmp_path):
    id_card, household = tmp_path / "身份证正面.pdf", tmp_path / "户口簿.pdf"
    id_card.write_bytes(TINY_PDF)
    household.write_bytes(TINY_PDF)
    page = open_page("phone")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, personas.resident_a)
    page.goto("/requests/apply/610113001001/610113-ZM01/")
    row = page.locator("fieldset.material-row").filter(has_text="当事人居民身份证")
    picker = row.locator("[data-file-picker]")
    expect(picker.locator("label")).to_have_text("选择文件 *")
    expect(picker.locator(".file-picker-names")).to_have_text("未选择文件")
    file_input = picker.locator("input[type=file]")
    box = file_input.bounding_box()
    assert box is not None and box["width"] <= 1 and box["height"] <= 1  # the browser's own button is not shown

    # Tap the label: the chooser opens; the chosen name appears beside the button.
    with page.expect_file_chooser() as chooser:
        picker.locator("label").click()
    chooser.value.set_files(str(id_card))
    expect(picker.locator(".file-picker-names")).to_have_text("身份证正面.pdf")

    # The keyboard: focus moves to the hidden input (the label shows the focus), Space opens the chooser.
    other = page.locator("fieldset.material-row").filter(has_text="当事人户口簿").locator("[data-file-picker]")
    other.locator("input[type=file]").focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    expect(other.locator("input[type=file]")).to_be_focused()
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files([str(household), str(id_card)])
    expect(other.locator(".file-picker-names")).to_have_text("已选择 2 个文件：户口簿.pdf、身份证正面.pdf")
    assert "Choose File" not in page.content() and "No file chosen" not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shoot(page, "file-picker-390")
    page.locator("section[aria-labelledby=materials-heading]").screenshot(
        path=str(shoot.next_path("file-picker-390-materials").with_suffix(".png"))
    )


def test_the_counter_entry_picker_under_crispys_label_at_phone_width(personas, open_page, sign_in, shoot, tmp_path):
    scan = tmp_path / "户口簿扫描.pdf"
    scan.write_bytes(TINY_PDF)
    page = open_page("phone")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, personas.staff_x)
    page.goto("/desk/counter/610113001001/610113-ZM01/")
    # crispy's label and the picker's together name the input (chromium exposes a file input as a button)
    file_input = page.get_by_role("button", name="当事人户口簿 选择文件", exact=True)
    expect(file_input).to_have_attribute("type", "file")
    picker = page.locator("[data-file-picker]").filter(has=file_input)
    expect(picker.locator("label")).to_have_text("选择文件")
    file_input.set_input_files(str(scan))
    expect(picker.locator(".file-picker-names")).to_have_text("户口簿扫描.pdf")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator("fieldset").filter(has_text="申请材料").last.screenshot(
        path=str(shoot.next_path("counter-file-picker-390").with_suffix(".png"))
    )
