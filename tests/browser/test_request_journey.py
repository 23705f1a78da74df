"""A request from application to signature in a real browser: the resident applies on her phone, a staff member
verifies it and sends it for signature at the desk, the director signs, and the resident sees the register number."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from certificates.demo import TINY_PDF
from certificates.models import CertificateRequest, Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ITEM = "亲属关系证明（仅限公证）"


def test_resident_applies_staff_verifies_director_signs_and_resident_sees_the_register_number(
    personas, open_page, sign_in, shoot, tmp_path
):
    community = personas.community_x
    community.number_prefix = "育证"
    community.save(update_fields=["number_prefix"])
    id_card, household = tmp_path / "身份证.pdf", tmp_path / "户口簿.pdf"
    id_card.write_bytes(TINY_PDF)
    household.write_bytes(TINY_PDF)
    resident_name = personas.resident_a.display_name

    # 1. The resident applies on her phone.
    resident = open_page("phone")
    sign_in(resident, personas.resident_a)
    resident.goto("/requests/apply/610113001001/610113-ZM01/")
    expect(resident.get_by_role("heading", level=1)).to_have_text(ITEM)
    expect(resident.get_by_label("申请人姓名")).to_have_value(resident_name)
    expect(resident.locator("#locked-id")).to_contain_text("*")  # her ID number is bound to her account, masked
    expect(resident.get_by_role("combobox", name="办理用途")).to_have_value("办理亲属关系公证")
    resident.get_by_label("联系电话").fill("13800138000")
    resident.get_by_label("要求出具证明的单位").fill("西安市某公证处")
    resident.get_by_label("该单位说明的依据").fill("《中华人民共和国公证法》第十一条")
    resident.get_by_label("亲属姓名").fill("李四")
    resident.get_by_label("亲属关系").fill("父子")
    resident.get_by_label("公证机构名称").fill("西安市某公证处")
    materials = resident.locator("fieldset.material-row")
    materials.filter(has_text="当事人居民身份证").locator("input[type=file]").set_input_files(str(id_card))
    materials.filter(has_text="当事人户口簿").locator("input[type=file]").set_input_files(str(household))
    shoot(resident, "resident-apply-filled")
    resident.get_by_role("button", name="提交申请").click()

    expect(resident).to_have_url(re.compile(r"/requests/\d+/$"))
    expect(resident.get_by_role("alert")).to_contain_text("申请已提交")
    expect(resident.get_by_role("heading", level=1)).to_have_text(ITEM)
    expect(resident.locator(".badge").first).to_contain_text("已提交待核实")
    files = resident.locator("section[aria-labelledby=files-heading] li")
    expect(files).to_have_count(2)
    expect(files.filter(has_text="当事人居民身份证")).to_contain_text("身份证.pdf")
    expect(files.filter(has_text="当事人户口簿")).to_contain_text("户口簿.pdf")
    expect(resident.locator("section[aria-labelledby=content-heading]")).to_contain_text("李四")
    shoot(resident, "resident-submitted")
    request = CertificateRequest.objects.get(applicant=personas.resident_a)
    assert request.status == Status.SUBMITTED and request.field_values["relation"] == "父子"
    assert resident.url.endswith(f"/requests/{request.pk}/")

    # 2. Staff finds it in the desk queue, verifies it and sends it for signature.
    staff = open_page("desktop")
    sign_in(staff, personas.staff_x)
    staff.goto("/desk/")
    expect(staff.get_by_role("heading", level=1)).to_have_text("待办申请")
    row = staff.locator("li.desk-row", has_text=resident_name)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(ITEM)
    expect(row).to_contain_text("办理亲属关系公证")
    shoot(staff, "desk-queue")
    row.get_by_role("link", name=ITEM).click()
    expect(staff).to_have_url(re.compile(rf"/desk/requests/{request.pk}/$"))
    expect(staff.locator("section[aria-labelledby=h-fields]")).to_contain_text("父子")
    expect(staff.locator("section[aria-labelledby=h-materials]")).to_contain_text("身份证.pdf")
    verify = staff.locator(".desk-action", has=staff.get_by_role("heading", name="核实"))
    verify.get_by_label("核实方式").select_option(label="查验证件和档案")
    verify.get_by_label("核实情况").fill("查阅户籍档案，李四与申请人系父子关系属实。")
    shoot(staff, "desk-verify")
    verify.get_by_role("button", name="确认核实").click()
    expect(staff.get_by_role("alert").filter(has_text="已记录核实情况")).to_be_visible()
    decisions = staff.locator("section[aria-labelledby=h-decisions]")
    expect(decisions).to_contain_text("查验证件和档案")
    expect(decisions).to_contain_text("李四与申请人系父子关系属实")
    staff.get_by_role("button", name="提请主任签字").click()
    expect(staff.get_by_role("alert").filter(has_text="已提请主任签字")).to_be_visible()
    actions = staff.locator("#actions")
    expect(actions.get_by_role("button", name="提请主任签字")).to_have_count(0)
    expect(actions.get_by_role("button", name="签字批准并登记")).to_have_count(0)  # signing is the director's
    shoot(staff, "desk-sent-for-signature")

    # 3. The director signs: the matter gets its register number.
    director = open_page("desktop")
    sign_in(director, personas.director)
    director.goto("/desk/")
    director.get_by_role("link", name=re.compile("待主任签字")).click()
    row = director.locator("li.desk-row", has_text=resident_name)
    expect(row).to_contain_text("待主任签字")
    row.get_by_role("link", name=ITEM).click()
    shoot(director, "director-before-signing")
    director.get_by_role("button", name="签字批准并登记").click()
    number = f"育证〔{timezone.localdate().year}〕1号"
    expect(director.get_by_role("status").filter(has_text="已签字登记")).to_contain_text(number)
    shoot(director, "director-signed")
    request.refresh_from_db()
    assert request.status == Status.SIGNED and request.register_entry.display_number == number

    # 4. The resident sees the register number on her request page.
    resident.reload()
    entry = resident.locator("section[aria-labelledby=entry-heading]")
    expect(entry.get_by_role("heading")).to_have_text("社区主任已签字，已登记")
    expect(entry).to_contain_text(f"登记编号 {number}")
    timeline = resident.locator("section[aria-labelledby=timeline-heading] li")
    expect(timeline).to_have_count(4)
    for step in ("提交申请", "核实", "提请主任签字", "签字批准"):
        expect(timeline.filter(has_text=step).first).to_be_visible()
    expect(timeline.last).to_contain_text("已签字登记")
    shoot(resident, "resident-sees-register-number")
