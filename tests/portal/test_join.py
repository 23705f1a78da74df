"""Residents join by themselves (issue 9): sign-up with an SMS code, sign-in by SMS code, password reset, settings,
closing the account, and the residence binding confirmed by staff. Over HTTP, with the locmem SMS backend."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from portal import accounts, bindings, phonecodes, sms
from portal.access import has_role
from portal.models import BindingStatus, CodePurpose, Membership, PhoneCode, ResidenceBinding, User
from portal.roles import Role
from tests.factories import IssuableItemFactory, UserFactory, make_request

NEW_PHONE = "13911112222"
PASSWORD = "Shaanxi-2026-pw"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def last_code(phone: str) -> str:
    message = [m for m in sms.outbox if m.phone == phone][-1]
    assert message.template == "code" and re.fullmatch(r"\d{6}", message.params["code"])
    return message.params["code"]


def ask_code(client, url: str, phone: str, **extra):
    return client.post(url, {"action": "send", "phone": phone, **extra})


def sign_up_data(code: str, phone: str = NEW_PHONE, **extra) -> dict:
    return {
        "action": "submit",
        "phone": phone,
        "code": code,
        "real_name": "赵新民",
        "id_number": "",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **extra,
    }


# --- sign-up ---------------------------------------------------------------------------------------------------


def test_a_new_resident_signs_up_with_an_sms_code_and_is_signed_in(client):
    response = ask_code(client, reverse("sign_up"), NEW_PHONE, real_name="赵新民")
    assert response.status_code == 200
    text = response.content.decode()
    assert "139****2222" in text and 'value="赵新民"' in text  # what was typed stays
    response = client.post(reverse("sign_up"), sign_up_data(last_code(NEW_PHONE)))
    assert response.status_code == 302 and response.url == reverse("my_community")
    user = User.objects.get(phone=NEW_PHONE)
    assert user.real_name == "赵新民" and user.check_password(PASSWORD)
    assert client.session["_auth_user_id"] == str(user.pk)


def test_sign_up_refuses_a_wrong_code_and_keeps_what_was_typed(client):
    ask_code(client, reverse("sign_up"), NEW_PHONE)
    right = last_code(NEW_PHONE)
    wrong = "000000" if right != "000000" else "111111"
    response = client.post(reverse("sign_up"), sign_up_data(wrong))
    text = response.content.decode()
    assert response.status_code == 200 and "验证码不正确或已失效" in text and 'value="赵新民"' in text
    assert not User.objects.filter(phone=NEW_PHONE).exists()


def test_sign_up_checks_the_id_number_as_elsewhere(client):
    ask_code(client, reverse("sign_up"), NEW_PHONE)
    response = client.post(reverse("sign_up"), sign_up_data(last_code(NEW_PHONE), id_number="610113198505050000"))
    assert "校验位不正确" in response.content.decode()
    assert not User.objects.filter(phone=NEW_PHONE).exists()
    # the field error did not spend the code: it still works once the number is corrected
    assert PhoneCode.objects.get(phone=NEW_PHONE).tries == 0


def test_a_number_already_registered_is_only_told_to_its_owner_after_the_code(client):
    UserFactory(phone=NEW_PHONE)
    ask_code(client, reverse("sign_up"), NEW_PHONE)
    response = client.post(reverse("sign_up"), sign_up_data(last_code(NEW_PHONE)))
    assert "该手机号已注册" in response.content.decode()
    assert User.objects.filter(phone=NEW_PHONE).count() == 1


# --- code rules --------------------------------------------------------------------------------------------------


def test_a_code_allows_five_tries_then_even_the_right_one_fails(rf):
    request = rf.post("/")
    phonecodes.code_send(phone=NEW_PHONE, purpose=CodePurpose.SIGN_UP, request=request)
    right = last_code(NEW_PHONE)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(phonecodes.CODE_TRIES):
        assert not phonecodes.code_check(phone=NEW_PHONE, purpose=CodePurpose.SIGN_UP, code=wrong)
    assert not phonecodes.code_check(phone=NEW_PHONE, purpose=CodePurpose.SIGN_UP, code=right)


def test_a_code_is_valid_five_minutes_and_only_once(rf):
    request = rf.post("/")
    phonecodes.code_send(phone=NEW_PHONE, purpose=CodePurpose.SIGN_UP, request=request)
    code = PhoneCode.objects.get(phone=NEW_PHONE)
    assert code.expires_at - code.created_at == dt.timedelta(minutes=5)
    PhoneCode.objects.filter(pk=code.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert not phonecodes.code_check(phone=NEW_PHONE, purpose=CodePurpose.SIGN_UP, code=last_code(NEW_PHONE))
    PhoneCode.objects.filter(pk=code.pk).update(expires_at=timezone.now() + dt.timedelta(minutes=1))
    assert phonecodes.code_check(phone=NEW_PHONE, purpose=CodePurpose.SIGN_UP, code=last_code(NEW_PHONE))
    assert not phonecodes.code_check(phone=NEW_PHONE, purpose=CodePurpose.SIGN_UP, code=last_code(NEW_PHONE))


def test_a_code_is_for_its_purpose_only(rf):
    UserFactory(phone=NEW_PHONE)
    phonecodes.code_send(phone=NEW_PHONE, purpose=CodePurpose.SIGN_UP, request=rf.post("/"))
    assert not phonecodes.code_check(phone=NEW_PHONE, purpose=CodePurpose.RESET, code=last_code(NEW_PHONE))


def test_codes_are_limited_per_number(client):
    assert "验证码已发送" in ask_code(client, reverse("sign_up"), NEW_PHONE).content.decode()
    response = ask_code(client, reverse("sign_up"), NEW_PHONE)
    assert "1分钟后再试" in response.content.decode()
    assert len(sms.outbox) == 1


def test_codes_are_limited_per_client_address(client):
    for n in range(phonecodes.CODES_PER_ADDRESS_HOUR):
        ask_code(client, reverse("sign_up"), f"1391111{n:04d}")
    response = ask_code(client, reverse("sign_up"), "13922223333")
    assert "从当前网络获取验证码过于频繁" in response.content.decode()
    assert len(sms.outbox) == phonecodes.CODES_PER_ADDRESS_HOUR
    # another address is not held back by this one
    other = ask_code(client, reverse("sign_up"), "13922223333", REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200


@pytest.mark.parametrize("url_name", ["login_code", "password_reset_sms"])
def test_the_answer_never_tells_whether_a_number_is_registered(client, url_name):
    UserFactory(phone="13911110001")
    known = ask_code(client, reverse(url_name), "13911110001").content.decode()
    unknown = ask_code(client, reverse(url_name), "13911110002").content.decode()

    def strip(text: str) -> str:  # the number itself and the CSRF token differ; nothing else may
        return re.sub(r"139\*\*\*\*000\d|csrfmiddlewaretoken\" value=\"[^\"]+\"|value=\"139111100\d\d\"", "", text)

    assert strip(known) == strip(unknown)
    assert "验证码已发送" in known
    assert [m.phone for m in sms.outbox] == ["13911110001"]  # but only an account's number gets a code


# --- sign-in by SMS code -------------------------------------------------------------------------------------------


def test_a_resident_signs_in_with_an_sms_code(client):
    user = UserFactory(phone=NEW_PHONE)
    ask_code(client, reverse("login_code"), NEW_PHONE)
    response = client.post(
        reverse("login_code"), {"action": "submit", "phone": NEW_PHONE, "code": last_code(NEW_PHONE)}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_wrong_sms_codes_count_towards_the_sign_in_lockout(client, settings):
    UserFactory(phone=NEW_PHONE)
    ask_code(client, reverse("login_code"), NEW_PHONE)
    right = last_code(NEW_PHONE)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(reverse("login_code"), {"action": "submit", "phone": NEW_PHONE, "code": wrong})
        assert response.status_code == 200 and "验证码不正确" in response.content.decode()
    response = client.post(reverse("login_code"), {"action": "submit", "phone": NEW_PHONE, "code": wrong})
    assert response.status_code == 429 and "登录失败次数过多" in response.content.decode()
    # locked: a fresh right code does not sign in either, and the password page is locked for the same account
    client.post(reverse("login_code"), {"action": "send", "phone": NEW_PHONE}, REMOTE_ADDR="127.0.0.1")
    response = client.post(reverse("login_code"), {"action": "submit", "phone": NEW_PHONE, "code": right})
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    response = client.post(reverse("login"), {"username": NEW_PHONE, "password": "pw-12345678"})
    assert response.status_code == 429 and "_auth_user_id" not in client.session


def test_a_privileged_account_signed_in_by_code_still_gives_its_second_step(client, personas):
    staff = personas.staff_x
    User.objects.filter(pk=staff.pk).update(phone=NEW_PHONE)
    ask_code(client, reverse("login_code"), NEW_PHONE)
    response = client.post(
        reverse("login_code"), {"action": "submit", "phone": NEW_PHONE, "code": last_code(NEW_PHONE)}
    )
    assert response.status_code == 302 and response.url.startswith(reverse("second_step"))
    desk = client.get(reverse("desk:queue"))
    assert desk.status_code == 302 and desk.url.startswith(reverse("second_step"))


# --- password reset ------------------------------------------------------------------------------------------------


def test_password_reset_by_sms_code(client):
    user = UserFactory(phone=NEW_PHONE)
    ask_code(client, reverse("password_reset_sms"), NEW_PHONE)
    data = {"action": "submit", "phone": NEW_PHONE, "code": last_code(NEW_PHONE), "password1": PASSWORD}
    response = client.post(reverse("password_reset_sms"), {**data, "password2": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("login")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_reset_by_sms_refuses_a_weak_password_without_spending_the_code(client):
    UserFactory(phone=NEW_PHONE)
    ask_code(client, reverse("password_reset_sms"), NEW_PHONE)
    data = {
        "action": "submit",
        "phone": NEW_PHONE,
        "code": last_code(NEW_PHONE),
        "password1": "123",
        "password2": "123",
    }
    response = client.post(reverse("password_reset_sms"), data)
    assert response.status_code == 200 and "密码" in response.content.decode()
    assert PhoneCode.objects.get(phone=NEW_PHONE).tries == 0


def test_password_reset_by_email_where_an_address_is_known(client):
    user = UserFactory(phone=NEW_PHONE, email="zhao@example.cn")
    response = client.post(reverse("password_reset"), {"email": "zhao@example.cn"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/password-reset/[^\s]+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    response = client.post(form_page.redirect_chain[-1][0], {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


# --- residence binding ----------------------------------------------------------------------------------------------


def test_a_resident_asks_to_be_bound_staff_confirm_and_meanwhile_the_resident_may_apply(client, personas):
    resident = UserFactory(phone=NEW_PHONE)
    client.force_login(resident)
    found = client.get(reverse("my_community"), {"q": "育才"}).content.decode()
    assert "育才路社区居民委员会" in found
    code = personas.community_x.code
    response = client.post(reverse("my_community"), {"community": code, "address": "小寨路12号3-2-501"})
    assert response.status_code == 302
    binding = ResidenceBinding.objects.get(resident=resident)
    assert binding.status == BindingStatus.PENDING
    assert has_role(User.objects.get(pk=resident.pk), Role.RESIDENT, personas.community_x)  # may apply already

    client.force_login(personas.staff_x)
    assert "小寨路12号3-2-501" in client.get(reverse("community_bindings")).content.decode()
    response = client.post(reverse("community_bindings"), {"binding": binding.pk, "decision": "confirm"})
    assert response.status_code == 302
    binding.refresh_from_db()
    assert binding.status == BindingStatus.CONFIRMED and binding.decided_by == personas.staff_x


def test_staff_of_another_community_cannot_decide(client, personas):
    resident = UserFactory()
    binding = bindings.binding_request(resident=resident, community=personas.community_x, address="某路1号")
    client.force_login(personas.staff_y)
    response = client.post(reverse("community_bindings"), {"binding": binding.pk, "decision": "confirm"})
    assert response.status_code == 200 and "找不到该申请" in response.content.decode()
    binding.refresh_from_db()
    assert binding.status == BindingStatus.PENDING
    assert client.get(reverse("community_bindings")).content.decode().count("某路1号") == 0


def test_refusing_needs_a_reason_and_ends_the_residence(client, personas):
    resident = UserFactory()
    binding = bindings.binding_request(resident=resident, community=personas.community_x, address="某路1号")
    client.force_login(personas.director)
    response = client.post(reverse("community_bindings"), {"binding": binding.pk, "decision": "refuse", "reason": ""})
    assert "请写明理由" in response.content.decode()
    client.post(
        reverse("community_bindings"), {"binding": binding.pk, "decision": "refuse", "reason": "查无此户，请到窗口办理"}
    )
    binding.refresh_from_db()
    assert binding.status == BindingStatus.REFUSED and binding.reason == "查无此户，请到窗口办理"
    assert not has_role(User.objects.get(pk=resident.pk), Role.RESIDENT, personas.community_x)
    client.force_login(resident)
    assert "查无此户" in client.get(reverse("my_community")).content.decode()


def test_a_resident_belongs_to_one_community_at_a_time_and_moving_keeps_the_history(personas):
    resident = personas.resident_a  # bound before bindings existed (a membership row only)
    bindings.binding_request(resident=resident, community=personas.community_y, address="张家堡1号")
    fresh = User.objects.get(pk=resident.pk)
    assert not has_role(fresh, Role.RESIDENT, personas.community_x)
    assert has_role(fresh, Role.RESIDENT, personas.community_y)
    bindings.binding_request(resident=fresh, community=personas.community_x, address="小寨路2号")
    statuses = list(ResidenceBinding.objects.filter(resident=resident).order_by("pk").values_list("status", flat=True))
    assert statuses == [BindingStatus.ENDED, BindingStatus.PENDING]
    active = Membership.objects.filter(user=resident, role=Role.RESIDENT, active=True)
    assert [m.region for m in active] == [personas.community_x]


def test_staff_see_that_the_applicants_residence_is_unconfirmed(client, personas):
    resident = UserFactory()
    bindings.binding_request(resident=resident, community=personas.community_x, address="某路1号")
    item = IssuableItemFactory(region=personas.yanta)
    request = make_request(community=personas.community_x, item=item, applicant=resident, status="submitted")
    client.force_login(personas.staff_x)
    page = client.get(reverse("desk:detail", args=[request.pk])).content.decode()
    assert 'id="binding-unconfirmed">未经本社区确认<' in page  # a village's page says 未经本村确认
    ResidenceBinding.objects.filter(resident=resident).update(status=BindingStatus.CONFIRMED)
    page = client.get(reverse("desk:detail", args=[request.pk])).content.decode()
    assert 'id="binding-unconfirmed"' not in page


# --- settings --------------------------------------------------------------------------------------------------------


def test_changing_the_phone_number_needs_a_code_sent_to_the_new_number(client):
    user = UserFactory(phone="13911110001")
    client.force_login(user)
    client.post(reverse("account_settings"), {"action": "send", "phone-phone": NEW_PHONE})
    assert sms.outbox[-1].phone == NEW_PHONE
    wrong = client.post(reverse("account_settings"), {"action": "phone", "phone-phone": NEW_PHONE, "phone-code": "x"})
    assert "验证码不正确" in wrong.content.decode()
    data = {"action": "phone", "phone-phone": NEW_PHONE, "phone-code": last_code(NEW_PHONE)}
    assert client.post(reverse("account_settings"), data).status_code == 302
    user.refresh_from_db()
    assert user.phone == NEW_PHONE


def test_email_notifications_need_an_address(client):
    user = UserFactory(phone=NEW_PHONE)
    client.force_login(user)
    response = client.post(reverse("account_settings"), {"action": "notify", "notify-channel": "email"})
    assert "请填写电子邮箱" in response.content.decode()
    data = {"action": "notify", "notify-channel": "email", "notify-email": "zhao@example.cn"}
    assert client.post(reverse("account_settings"), data).status_code == 302
    user.refresh_from_db()
    assert (user.notify_channel, user.email) == ("email", "zhao@example.cn")


def test_changing_the_password_keeps_the_resident_signed_in(client):
    user = UserFactory(phone=NEW_PHONE)
    client.force_login(user)
    data = {
        "action": "password",
        "password-old_password": "pw-12345678",
        "password-new_password1": PASSWORD,
        "password-new_password2": PASSWORD,
    }
    assert client.post(reverse("account_settings"), data).status_code == 302
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert client.get(reverse("account_settings")).status_code == 200


def test_closing_the_account_keeps_records_and_the_name_as_it_was(client, personas):
    resident = personas.resident_a
    User.objects.filter(pk=resident.pk).update(phone=NEW_PHONE)
    bindings.binding_request(resident=resident, community=personas.community_y, address="张家堡1号")
    item = IssuableItemFactory(region=personas.yanta)
    request = make_request(community=personas.community_x, item=item, applicant=resident, status="submitted")
    client.force_login(resident)
    wrong = client.post(reverse("account_settings"), {"action": "close", "close-password": "x", "close-confirm": "on"})
    assert "密码不正确" in wrong.content.decode()
    data = {"action": "close", "close-password": "pw-12345678", "close-confirm": "on"}
    assert client.post(reverse("account_settings"), data).status_code == 302
    closed = User.objects.get(pk=resident.pk)
    assert not closed.is_active and closed.phone is None and closed.closed_at and closed.real_name
    request.refresh_from_db()
    assert request.applicant_id == resident.pk and request.applicant_name == resident.display_name
    assert ResidenceBinding.objects.get(resident=resident).status == BindingStatus.ENDED
    assert not Membership.objects.filter(user=resident, active=True).exists()
    assert client.post(reverse("login"), {"username": NEW_PHONE, "password": "pw-12345678"}).status_code == 200
    assert "_auth_user_id" not in client.session
    # the number is free for a new account
    ask_code(client, reverse("sign_up"), NEW_PHONE)
    client.post(reverse("sign_up"), sign_up_data(last_code(NEW_PHONE)))
    assert User.objects.filter(phone=NEW_PHONE, is_active=True).exclude(pk=resident.pk).exists()


def test_an_account_holding_a_post_cannot_be_closed_by_itself(personas):
    with pytest.raises(Exception, match="免职"):
        accounts.account_close(user=personas.staff_x, password="pw-12345678")
    assert User.objects.get(pk=personas.staff_x.pk).is_active


def test_a_resident_finds_the_community_by_its_street_and_prints_a_numbered_refusal_notice_before_confirmation(
    client, personas
):
    resident = UserFactory(phone=NEW_PHONE)
    client.force_login(resident)
    by_street = client.get(reverse("my_community"), {"q": "小寨路街道"}).content.decode()
    assert "育才路社区居民委员会" in by_street and "张家堡社区居民委员会" not in by_street
    bindings.binding_request(resident=resident, community=personas.community_x, address="小寨路12号")
    assert ResidenceBinding.objects.get(resident=resident).status == BindingStatus.PENDING
    response = client.post(reverse("requests:refusal_notice_create", args=[personas.community_x.code, "N05"]))
    assert response.status_code == 302  # a numbered notice for this resident, not yet confirmed
    notice = client.get(response["Location"])
    assert notice.status_code == 200 and resident.display_name in notice.content.decode()
