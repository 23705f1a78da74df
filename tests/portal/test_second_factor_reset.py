"""A lost authenticator is reset in the portal, never in the Django admin (issue 9): the county officer for the
staff, directors and keepers of the county's communities, the provincial officer for county officers; with a reason,
in the audit; the person enrols again at the next sign-in. Nobody resets their own."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory
from django.urls import reverse
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import twofactor
from portal.errors import Forbidden
from portal.models import AuditAction, AuditEntry
from tests.conftest import force_login_unverified, pass_second_step

pytestmark = pytest.mark.django_db
URL = "/officer/people/second-factor/"

# who may reset whose authenticator (everyone else is refused)
MAY = {
    "county_officer": {"staff_x", "director", "keeper"},  # 雁塔区's community posts (community X)
    "other_county_officer": {"staff_y"},  # 未央区's
    "provincial_officer": {"county_officer", "other_county_officer"},
}
PEOPLE = (
    "staff_x",
    "staff_y",
    "director",
    "keeper",
    "county_officer",
    "other_county_officer",
    "provincial_officer",
    "street_officer",
    "city_officer",
    "department_officer",
)


def enrolled(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def post_as(actor):
    request = RequestFactory().post(URL, REMOTE_ADDR="192.0.2.9")
    request.user = actor
    return request


@pytest.fixture
def everyone_enrolled(personas):
    for name in PEOPLE:
        pass_second_step(Client(), getattr(personas, name))  # a confirmed TOTP device each
        twofactor.new_recovery_codes(getattr(personas, name))
    return personas


@pytest.mark.parametrize("actor_name", [*PEOPLE, "resident_a"])
def test_each_role_resets_exactly_the_people_under_it(actor_name, everyone_enrolled):
    personas = everyone_enrolled
    actor = getattr(personas, actor_name)
    assert set(twofactor.resettable_people(actor).values_list("username", flat=True)) == MAY.get(actor_name, set())
    for name in PEOPLE:
        person = getattr(personas, name)
        if name in MAY.get(actor_name, set()):
            continue
        with pytest.raises(Forbidden):
            twofactor.second_factor_reset(post_as(actor), person=person, reason="手机丢失")
        assert enrolled(person), f"{actor_name} reset {name}"


def test_nobody_resets_their_own(everyone_enrolled):
    officer = everyone_enrolled.county_officer
    with pytest.raises(Forbidden):
        twofactor.second_factor_reset(post_as(officer), person=officer, reason="手机丢失")
    assert enrolled(officer)


def test_a_reset_needs_a_reason(everyone_enrolled):
    with pytest.raises(ValidationError):
        twofactor.second_factor_reset(
            post_as(everyone_enrolled.county_officer), person=everyone_enrolled.staff_x, reason=" "
        )
    assert enrolled(everyone_enrolled.staff_x)


def test_a_county_officer_resets_a_staff_members_authenticator_who_enrols_again(everyone_enrolled, client):
    personas = everyone_enrolled
    staff_session = Client()
    staff_session.force_login(personas.staff_x)  # a session that passed the step with the old device
    assert staff_session.get(reverse("desk:queue")).status_code == 200

    client.force_login(personas.county_officer)
    page = client.get(URL, {"q": "staff_x"}).content.decode()
    assert f'id="person-{personas.staff_x.pk}"' in page and "已绑定验证器" in page
    response = client.post(URL, {"person": personas.staff_x.pk, "reason": "手机丢失，恢复码遗失，本人到场核实"})
    assert response.status_code == 302
    assert list(devices_for_user(personas.staff_x, confirmed=None)) == []  # app and recovery codes gone

    entry = AuditEntry.objects.get(action=AuditAction.RESET_SECOND_FACTOR)
    assert entry.actor == personas.county_officer and entry.region == personas.community_x
    assert "恢复码遗失" in entry.subject and personas.staff_x.username in entry.subject
    audit_page = client.get(reverse("audit_log"), {"action": AuditAction.RESET_SECOND_FACTOR}).content.decode()
    assert "恢复码遗失" in audit_page

    # the old session is no longer verified, and the next sign-in leads to enrolment
    assert staff_session.get(reverse("desk:queue")).status_code == 302
    fresh = Client()
    force_login_unverified(fresh, personas.staff_x)
    step = fresh.get(reverse("desk:queue"), follow=True)
    assert step.redirect_chain[-1][0].startswith(reverse("second_step_setup"))


def test_the_provincial_officer_resets_a_county_officer_on_the_page(everyone_enrolled, client):
    personas = everyone_enrolled
    client.force_login(personas.provincial_officer)
    assert URL in client.get(reverse("desk:county")).content.decode()  # found from the officers' pages
    page = client.get(URL).content.decode()
    assert personas.county_officer.display_name in page and personas.staff_x.display_name not in page
    # a person not under them is refused, and keeps the authenticator
    assert client.post(URL, {"person": personas.staff_x.pk, "reason": "手机丢失"}).status_code == 403
    assert enrolled(personas.staff_x)
    # a missing reason keeps the page, says why, and resets nothing
    again = client.post(URL, {"person": personas.county_officer.pk, "reason": ""})
    assert again.status_code == 200 and enrolled(personas.county_officer)
    assert client.post(URL, {"person": personas.county_officer.pk, "reason": "换手机"}).status_code == 302
    assert not enrolled(personas.county_officer)
    assert AuditEntry.objects.get(action=AuditAction.RESET_SECOND_FACTOR).region == personas.yanta


@pytest.mark.parametrize("name", ["resident_a", "staff_x", "director", "keeper", "street_officer", "city_officer"])
def test_other_roles_have_no_reset_page(name, personas, client):
    client.force_login(getattr(personas, name))
    assert client.get(URL).status_code == 403
