"""Going live (issue 9) in a real browser: a new resident signs up on her phone with an SMS code (read from the
test SMS backend, as the console backend would print it), asks to be bound to her community, staff confirm at the
desk, and the resident applies. Screenshots at 390 px and 1280 px."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from certificates.demo import TINY_PDF
from certificates.models import CertificateRequest, Status
from portal import sms
from portal.demo import demo_id_number
from portal.models import BindingStatus, ResidenceBinding, User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = "13966668888"
PASSWORD = "Shaanxi-2026-pw"
ITEM = "亲属关系证明（仅限公证）"


def latest_code(phone: str) -> str:
    return [m for m in sms.outbox if m.phone == phone][-1].params["code"]


def test_a_new_resident_signs_up_is_bound_by_staff_and_applies(personas, open_page, sign_in, shoot, tmp_path):
    sms.outbox.clear()
    id_card, household = tmp_path / "身份证.pdf", tmp_path / "户口簿.pdf"
    id_card.write_bytes(TINY_PDF)
    household.write_bytes(TINY_PDF)

    # 1. On her phone: from the sign-in page to the sign-up form, a code by SMS, an account.
    resident = open_page("phone")
    resident.set_viewport_size({"width": 390, "height": 844})
    resident.goto("/accounts/login/")
    shoot(resident, "login-links-390")
    resident.get_by_role("link", name="用手机号注册").click()
    expect(resident.get_by_role("heading", level=1)).to_have_text("居民注册")
    resident.get_by_label("手机号码").fill(PHONE)
    resident.get_by_label("真实姓名").fill("赵新民")
    resident.get_by_role("button", name="获取短信验证码").click()
    expect(resident.locator("#code-sent")).to_contain_text("139****8888")
    expect(resident.get_by_label("真实姓名")).to_have_value("赵新民")  # kept while the code was sent
    resident.get_by_label("短信验证码").fill(latest_code(PHONE))
    resident.get_by_label("公民身份号码（选填）").fill(demo_id_number("610113", dt.date(1990, 3, 8), 7))
    resident.get_by_label("设置密码").fill(PASSWORD)
    resident.get_by_label("再次输入密码").fill(PASSWORD)
    shoot(resident, "sign-up-filled-390")
    resident.get_by_role("button", name="注册", exact=True).click()

    # 2. She asks to be bound to her community.
    expect(resident).to_have_url(re.compile(r"/accounts/community/$"))
    expect(resident.get_by_role("alert")).to_contain_text("注册成功")
    resident.get_by_label("社区（村）或街道（乡镇）名称").fill("育才")
    resident.get_by_role("button", name="搜索").click()
    resident.locator(".binding-results li", has_text="育才路社区居民委员会").get_by_role("link", name="选择").click()
    resident.get_by_label("居住地址").fill("小寨路12号3号楼2单元501室")
    resident.get_by_role("button", name="提交绑定申请").click()
    expect(resident.locator("#binding-status")).to_have_text("待社区确认")
    shoot(resident, "binding-pending-390")
    user = User.objects.get(phone=PHONE)
    binding = ResidenceBinding.objects.get(resident=user)
    assert binding.status == BindingStatus.PENDING

    # 3. Staff confirm it at the desk.
    staff = open_page("desktop")
    sign_in(staff, personas.staff_x)
    staff.goto("/community/bindings/")
    card = staff.locator(".binding-card", has_text="赵新民")
    expect(card).to_contain_text("小寨路12号3号楼2单元501室")
    shoot(staff, "bindings-1280")
    card.get_by_role("button", name="确认", exact=True).click()
    expect(staff.get_by_role("alert")).to_contain_text("已办理")
    binding.refresh_from_db()
    assert binding.status == BindingStatus.CONFIRMED and binding.decided_by == personas.staff_x

    # 4. The resident sees it confirmed and applies.
    resident.goto("/accounts/community/")
    expect(resident.locator("#binding-status")).to_have_text("已确认")
    resident.goto("/requests/apply/610113001001/610113-ZM01/")
    expect(resident.get_by_role("heading", level=1)).to_have_text(ITEM)
    expect(resident.get_by_label("申请人姓名")).to_have_value("赵新民")
    resident.get_by_label("联系电话").fill(PHONE)
    resident.get_by_label("要求出具证明的单位").fill("西安市某公证处")
    resident.get_by_label("该单位说明的依据").fill("《中华人民共和国公证法》第十一条")
    resident.get_by_label("亲属姓名").fill("赵四")
    resident.get_by_label("亲属关系").fill("父子")
    resident.get_by_label("公证机构名称").fill("西安市某公证处")
    materials = resident.locator("fieldset.material-row")
    materials.filter(has_text="当事人居民身份证").locator("input[type=file]").set_input_files(str(id_card))
    materials.filter(has_text="当事人户口簿").locator("input[type=file]").set_input_files(str(household))
    resident.get_by_role("button", name="提交申请").click()
    expect(resident).to_have_url(re.compile(r"/requests/\d+/$"))
    expect(resident.get_by_role("alert")).to_contain_text("申请已提交")
    assert CertificateRequest.objects.get(applicant=user).status == Status.SUBMITTED

    # 5. Her settings, at both widths.
    resident.goto("/accounts/settings/")
    expect(resident.get_by_role("heading", level=1)).to_have_text("账号设置")
    shoot(resident, "settings-390")
    resident.set_viewport_size({"width": 1280, "height": 900})
    shoot(resident, "settings-1280")
    resident.goto("/accounts/sign-up/")  # signed in: sent on
    expect(resident).not_to_have_url(re.compile(r"/accounts/sign-up/"))


def test_sign_in_by_sms_code_pages_at_both_widths(personas, open_page, shoot):
    sms.outbox.clear()
    User.objects.filter(pk=personas.resident_a.pk).update(phone=PHONE)
    page = open_page("desktop")
    page.goto("/accounts/login/")
    shoot(page, "login-1280")
    page.get_by_role("link", name="忘记密码？用短信验证码登录").click()
    page.get_by_label("手机号码").fill(PHONE)
    page.get_by_role("button", name="获取短信验证码").click()
    expect(page.locator("#code-sent")).to_be_visible()
    page.get_by_label("短信验证码").fill(latest_code(PHONE))
    shoot(page, "login-code-1280")
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.locator("nav .navbar-text")).to_have_text(personas.resident_a.display_name)
    phone = open_page("phone")
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto("/accounts/password-reset/sms/")
    shoot(phone, "reset-sms-390")
    phone.goto("/accounts/sign-up/")
    shoot(phone, "sign-up-empty-390")


def test_staff_see_a_notification_that_could_not_be_sent(personas, open_page, sign_in, shoot, settings):
    from certificates import workflow
    from certificates.models import NotificationDelivery
    from tests.factories import IssuableItemFactory, make_request

    item = IssuableItemFactory(region=personas.yanta)
    request = make_request(community=personas.community_x, item=item, applicant=personas.resident_a)
    request = workflow.submit(request_id=request.pk, actor=personas.resident_a)
    NotificationDelivery.objects.create(
        request=request,
        channel="sms",
        address="13966660001",
        template="refused",
        params={"item": "x"},
        status="failed",
        attempts=5,
        last_error="aliyun: isv.BUSINESS_LIMIT_CONTROL 触发流控",
    )
    page = open_page("desktop")
    sign_in(page, personas.staff_x)
    page.goto("/desk/")
    expect(page.locator("#failed-deliveries")).to_contain_text(request.applicant_name)
    shoot(page, "queue-failed-1280")
    page.locator("#failed-deliveries a").first.click()
    expect(page.locator("#deliveries")).to_contain_text("发送失败")
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("#deliveries").scroll_into_view_if_needed()
    shoot(page, "detail-failed-390")
    page.get_by_role("button", name="重新发送").click()
    expect(page.locator("#deliveries")).to_contain_text("已发送")
