"""Counties run their own people (issue 9) in a real browser: a county officer makes a new director by election
change, who signs; a deputy named by the director signs within their dates and is refused outside them."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from catalog.models import IssuableItem
from certificates import workflow
from certificates.models import RegisterEntry, Status
from portal.models import DeputySigning, User
from tests.browser.conftest import PASSWORD
from tests.factories import UserFactory, make_request, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def awaiting_signature(personas, verifier):
    item = IssuableItem.objects.get(code="610113-ZM01")
    request = make_request(community=personas.community_x, item=item, applicant=personas.resident_a)
    request = workflow.submit(request_id=request.pk, actor=personas.resident_a)
    request = workflow.verify(request_id=request.pk, actor=verifier, method="document_check", note="查验户口簿")
    return workflow.send_for_signature(request_id=request.pk, actor=verifier)


def sign_from_the_desk(page, request) -> None:
    page.goto(f"/desk/requests/{request.pk}/")
    page.get_by_role("button", name="签字批准并登记").click()
    expect(page.get_by_role("status").filter(has_text="已签字登记")).to_be_visible()


def test_a_county_officer_appoints_a_new_director_who_signs(personas, open_page, sign_in, shoot):
    request = awaiting_signature(personas, personas.staff_x)
    officer = open_page("desktop")
    sign_in(officer, personas.county_officer)
    officer.get_by_role("link", name="人员任免").click()
    officer.get_by_label("社区（村）或街道（乡镇）名称").fill("育才")
    officer.get_by_role("button", name="搜索").click()
    officer.get_by_role("link", name="育才路社区居民委员会").click()
    expect(officer.get_by_role("heading", level=1)).to_have_text("育才路社区居民委员会")
    form = officer.locator("section[aria-labelledby=replace-h] form")
    form.get_by_label("新任主任姓名").fill("郑新任")
    form.get_by_label("手机号码").fill("13977779999")
    form.get_by_label("新任主任任职起始日").fill(timezone.localdate().isoformat())
    form.get_by_label("说明").fill("第十二届村（居）民委员会换届选举")
    shoot(officer, "officer-replace-1280")
    form.get_by_role("button", name="换届").click()
    expect(officer.get_by_role("alert")).to_contain_text("换届完成")
    expect(officer.locator("#post-history")).to_contain_text("郑新任")
    shoot(officer, "officer-history-1280")

    # The new director set a password (by SMS code, tested elsewhere) and signs.
    new_director = User.objects.get(phone="13977779999")
    new_director.set_password(PASSWORD)
    new_director.save()
    page = open_page("phone")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, new_director)
    sign_from_the_desk(page, request)
    shoot(page, "new-director-signed-390")
    entry = RegisterEntry.objects.get(request=request)
    assert entry.signer == new_director and entry.deputy_for is None
    # the former director no longer may sign
    assert not workflow.can(User.objects.get(pk=personas.director.pk), request, "sign")


def test_a_deputy_signs_within_their_dates_and_is_refused_outside(personas, open_page, sign_in, shoot):
    verifier = UserFactory(username="verifier_x")
    member(verifier, "staff", personas.community_x)
    director = open_page("desktop")
    sign_in(director, personas.director)
    director.get_by_role("link", name="代签授权").click()
    today = timezone.localdate()
    director.get_by_label("代签人").select_option(label=personas.staff_x.display_name)
    director.get_by_label("代签起始日").fill(today.isoformat())
    director.get_by_label("代签截止日").fill((today + dt.timedelta(days=2)).isoformat())
    director.get_by_role("button", name="指定代签人").click()
    expect(director.get_by_role("alert")).to_contain_text("已指定代签人")
    shoot(director, "deputy-named-1280")

    request = awaiting_signature(personas, verifier)
    deputy = open_page("phone")
    deputy.set_viewport_size({"width": 390, "height": 844})
    sign_in(deputy, personas.staff_x)
    sign_from_the_desk(deputy, request)
    shoot(deputy, "deputy-signed-390")
    entry = RegisterEntry.objects.get(request=request)
    assert entry.deputy_for == personas.director
    deputy.goto(f"/desk/register/{personas.community_x.code}/")
    expect(deputy.locator(".register-deputy")).to_contain_text("代签")

    # outside the dates: the button is not offered and the server refuses
    DeputySigning.objects.update(ends_on=today - dt.timedelta(days=1), starts_on=today - dt.timedelta(days=3))
    later = awaiting_signature(personas, verifier)
    deputy.goto(f"/desk/requests/{later.pk}/")
    expect(deputy.get_by_role("button", name="签字批准并登记")).to_have_count(0)
    shoot(deputy, "deputy-outside-dates-390")
    with pytest.raises(workflow.WorkflowError):
        workflow.sign(request_id=later.pk, actor=User.objects.get(pk=personas.staff_x.pk))
    later.refresh_from_db()
    assert later.status == Status.AWAITING_SIGNATURE
    assert re.search("代签", entry.request.events.get(action="sign").note)


def test_failed_invitation_and_lost_authenticator_handled_by_the_county_officer(
    personas, open_page, sign_in, shoot, settings
):
    """No superuser needed when things go wrong: an invitation the provider would not deliver is shown to the officer
    who appointed, and a keeper's lost authenticator is reset in the portal with a reason."""
    from django.test import Client

    from certificates import notifications
    from tests.conftest import pass_second_step

    settings.SMS_BACKEND = "tests.certificates.test_notifications.BrokenBackend"
    pass_second_step(Client(), personas.keeper)  # the keeper has an authenticator (then loses the phone)
    page = open_page("phone")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, personas.county_officer)
    page.goto(f"/officer/people/{personas.community_x.code}/")
    page.locator("#id_appoint-real_name").fill("钱新岗")
    page.locator("#id_appoint-phone").fill("13977770001")
    page.get_by_role("button", name="任命并短信通知").click()
    expect(page.get_by_text("短信邀请发送失败 1 次")).to_be_visible()
    later = timezone.now()
    for _ in range(notifications.MAX_ATTEMPTS - 1):  # what cron's send_notifications does over the next hours
        later += dt.timedelta(hours=2)
        notifications.retry_due(now=later)
    page.goto("/officer/people/")
    expect(page.locator("#failed-invitations")).to_contain_text("钱新岗")
    shoot(page, "failed-invitation-list")
    page.locator("#failed-invitations a").click()
    expect(page.get_by_text("短信邀请多次发送失败")).to_be_visible()
    shoot(page, "failed-invitation-on-the-community")

    keeper = page.locator("#current-posts li").filter(has_text=personas.keeper.display_name)
    keeper.get_by_role("link", name="重置验证器").click()
    person = page.locator(f"#person-{personas.keeper.pk}")
    expect(person).to_contain_text("已绑定验证器")
    person.locator("summary").click()
    person.get_by_label("重置原因").fill("手机丢失，恢复码遗失，本人到场核实")
    shoot(page, "reset-form")
    person.get_by_role("button", name="确认重置").click()
    expect(page.get_by_role("alert").filter(has_text="已重置")).to_be_visible()
    expect(page.locator(f"#person-{personas.keeper.pk}")).to_contain_text("尚未绑定验证器")
    shoot(page, "reset-done")

    desktop = open_page("desktop")
    sign_in(desktop, personas.county_officer)
    desktop.goto(f"/officer/people/{personas.community_x.code}/")
    shoot(desktop, "community-people-1280")
    desktop.goto("/officer/people/second-factor/")
    shoot(desktop, "resets-1280")
