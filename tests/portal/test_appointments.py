"""Counties run their own people (issue 9): appointments with dates and history, the election change of a director,
keeper changes through the seal handover, and deputy signing (代签) within its dates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from catalog.models import IssuableItem
from certificates import notifications, workflow
from certificates.models import DeliveryStatus, NotificationDelivery, RegisterEntry, RequestEvent, Status
from portal import appointments, sms
from portal.access import has_role
from portal.errors import Forbidden
from portal.models import Appointment, User
from portal.roles import Role
from seals import services as seal_services
from tests.factories import UserFactory, make_request, member

pytestmark = pytest.mark.django_db
TODAY = dt.date.today


@pytest.fixture(autouse=True)
def empty_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def appoint_data(**extra) -> dict:
    return {
        "action": "appoint",
        "appoint-role": Role.STAFF,
        "appoint-real_name": "钱新岗",
        "appoint-phone": "13977770001",
        "appoint-starts_on": timezone.localdate().isoformat(),
        **extra,
    }


def test_a_county_officer_appoints_staff_who_is_invited_by_sms(client, personas, django_capture_on_commit_callbacks):
    client.force_login(personas.county_officer)
    url = reverse("officer_community_people", args=[personas.community_x.code])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, appoint_data())
    assert response.status_code == 302
    person = User.objects.get(phone="13977770001")
    assert person.real_name == "钱新岗" and not person.has_usable_password()  # signs in by SMS code, sets a password
    assert has_role(person, Role.STAFF, personas.community_x)
    (invitation,) = sms.outbox
    assert invitation.template == "appointed" and invitation.phone == "13977770001"
    assert invitation.params["role"] == "社区工作人员"
    # the invitation is a delivery like any notification: recorded with its outcome
    delivery = NotificationDelivery.objects.get(appointment__user=person)
    assert delivery.status == DeliveryStatus.SENT and delivery.request is None
    page = client.get(url).content.decode()
    assert "钱新岗" in page and 'id="post-history"' in page and "短信邀请已发送" in page


def test_a_failed_invitation_is_retried_then_shown_to_the_officer_who_sends_it_again(
    client, personas, settings, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "tests.certificates.test_notifications.BrokenBackend"
    client.force_login(personas.county_officer)
    url = reverse("officer_community_people", args=[personas.community_x.code])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, appoint_data()).status_code == 302
    delivery = NotificationDelivery.objects.get(appointment__user__phone="13977770001")
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1 and "流控" in delivery.last_error
    assert "短信邀请发送失败 1 次" in client.get(url).content.decode()
    later = timezone.now()
    for _ in range(notifications.MAX_ATTEMPTS - 1):  # the same retries as every notification (send_notifications)
        later += dt.timedelta(hours=2)
        notifications.retry_due(now=later)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and sms.outbox == []

    # the officer who appointed is told on the people pages, and may send it again
    index = client.get(reverse("officer_people")).content.decode()
    assert 'id="failed-invitations"' in index and "钱新岗" in index
    page = client.get(url).content.decode()
    assert "短信邀请多次发送失败" in page and f'name="delivery" value="{delivery.pk}"' in page
    client.force_login(personas.other_county_officer)  # another county: neither sees nor resends it
    assert 'id="failed-invitations"' not in client.get(reverse("officer_people")).content.decode()
    assert client.post(url, {"action": "send_again", "delivery": delivery.pk}).status_code == 403
    settings.SMS_BACKEND = "portal.sms.LocmemBackend"
    client.force_login(personas.county_officer)
    assert client.post(url, {"action": "send_again", "delivery": delivery.pk}).status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and [m.template for m in sms.outbox] == ["appointed"]
    assert 'id="failed-invitations"' not in client.get(reverse("officer_people")).content.decode()


def test_a_villages_director_is_invited_as_its_village_head(personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        appointments.appointment_make(
            actor=personas.county_officer,
            community=personas.village,
            role=Role.DIRECTOR,
            phone="13977770002",
            real_name="孙村长",
            starts_on=TODAY(),
        )
    (invitation,) = sms.outbox
    assert invitation.params["role"] == "村委会主任"


@pytest.mark.parametrize("persona", ["other_county_officer", "provincial_officer", "director"])
def test_only_the_communitys_county_appoints(client, personas, persona):
    client.force_login(getattr(personas, persona))
    url = reverse("officer_community_people", args=[personas.community_x.code])
    assert client.post(url, appoint_data()).status_code == 403
    assert not User.objects.filter(phone="13977770001").exists()
    with pytest.raises(Forbidden):
        appointments.appointment_make(
            actor=getattr(personas, persona),
            community=personas.community_x,
            role=Role.STAFF,
            phone="13977770001",
            real_name="钱",
            starts_on=TODAY(),
        )


def test_a_term_counts_only_within_its_dates(personas):
    later = timezone.localdate() + dt.timedelta(days=10)
    term = appointments.appointment_make(
        actor=personas.county_officer,
        community=personas.community_x,
        role=Role.STAFF,
        phone="13977770002",
        real_name="孙",
        starts_on=later,
    )
    assert not has_role(fresh(term.user), Role.STAFF, personas.community_x)  # not yet in office
    appointments.appointment_end(
        actor=personas.county_officer, appointment_id=term.pk, ends_on=timezone.localdate(), reason="未到任"
    )
    term.refresh_from_db()
    assert term.ends_on < term.starts_on and term.ended_by == personas.county_officer


def test_a_second_director_needs_the_election_change_which_replaces_in_one_step(client, personas):
    # the persona director was given by the admin before appointments existed: the county's page takes it over
    with pytest.raises(ValidationError, match="换届"):
        appointments.appointment_make(
            actor=personas.county_officer,
            community=personas.community_x,
            role=Role.DIRECTOR,
            phone="13977770005",
            real_name="郑主任",
            starts_on=TODAY(),
        )
    client.force_login(personas.county_officer)
    url = reverse("officer_community_people", args=[personas.community_x.code])
    assert personas.director.display_name in client.get(url).content.decode()
    first = Appointment.objects.get(user=personas.director, role=Role.DIRECTOR)
    assert first.appointed_by is None and first.ends_on is None
    data = {
        "action": "replace",
        "replace-real_name": "郑主任",
        "replace-phone": "13977770005",
        "replace-starts_on": TODAY().isoformat(),
    }
    assert client.post(url, {**data, "replace-reason": "第十二届换届选举"}).status_code == 302
    first.refresh_from_db()
    assert first.ends_on == TODAY() - dt.timedelta(days=1) and first.end_reason == "第十二届换届选举"
    assert not has_role(fresh(personas.director), Role.DIRECTOR, personas.community_x)
    new = Appointment.objects.get(user__phone="13977770005")
    assert new.election and has_role(new.user, Role.DIRECTOR, personas.community_x)
    history = client.get(url).content.decode()
    assert personas.director.display_name in history and "郑主任" in history


def test_a_keeper_holding_a_seal_is_removed_only_after_the_handover(personas):
    term = appointments.appointment_make(
        actor=personas.county_officer,
        community=personas.community_x,
        role=Role.KEEPER,
        phone="13977770006",
        real_name="冯",
        starts_on=TODAY(),
    )
    keeper = fresh(term.user)
    seal = seal_services.seal_register(
        community=personas.community_x,
        name="育才路社区居民委员会证明专用章",
        kind="certificate",
        keeper=keeper,
        actor=personas.director,
    )
    with pytest.raises(ValidationError, match="交接"):
        appointments.appointment_end(
            actor=personas.county_officer, appointment_id=term.pk, ends_on=TODAY(), reason="调离"
        )
    seal_services.seal_handover(seal=seal, to_keeper=personas.keeper, actor=personas.director)
    appointments.appointment_end(actor=personas.county_officer, appointment_id=term.pk, ends_on=TODAY(), reason="调离")
    assert Appointment.objects.get(pk=term.pk).ended_at is not None


# --- deputy signing ---------------------------------------------------------------------------------------------


@pytest.fixture
def item(db) -> IssuableItem:
    return IssuableItem.objects.get(code="610113-ZM01")


@pytest.fixture
def awaiting_signature(personas, item):
    verifier = UserFactory(username="verifier_x")
    member(verifier, Role.STAFF, personas.community_x)
    request = make_request(community=personas.community_x, item=item, applicant=personas.resident_a)
    request = workflow.submit(request_id=request.pk, actor=personas.resident_a)
    request = workflow.verify(request_id=request.pk, actor=verifier, method="document_check", note="查验")
    return workflow.send_for_signature(request_id=request.pk, actor=verifier)


def name_deputy(personas, client, starts_on, ends_on):
    client.force_login(personas.director)
    data = {"action": "name", "deputy": personas.staff_x.pk, "starts_on": starts_on, "ends_on": ends_on}
    return client.post(reverse("deputy"), data)


def test_a_deputy_signs_within_the_dates_and_the_register_says_so(client, personas, awaiting_signature):
    today = timezone.localdate()
    assert (
        name_deputy(personas, client, today.isoformat(), (today + dt.timedelta(days=3)).isoformat()).status_code == 302
    )
    request = workflow.sign(request_id=awaiting_signature.pk, actor=fresh(personas.staff_x))
    assert request.status == Status.SIGNED
    entry = RegisterEntry.objects.get(request=request)
    assert entry.signer == personas.staff_x and entry.deputy_for == personas.director
    assert "代签" in RequestEvent.objects.get(request=request, action="sign").note
    client.force_login(personas.staff_x)
    register = client.get(reverse("desk:register", args=[personas.community_x.code])).content.decode()
    assert "代签（代主任" in register


def test_a_deputy_is_refused_outside_the_dates(client, personas, awaiting_signature):
    today = timezone.localdate()
    name_deputy(
        personas, client, (today + dt.timedelta(days=1)).isoformat(), (today + dt.timedelta(days=5)).isoformat()
    )
    with pytest.raises(workflow.WorkflowError, match="权限"):
        workflow.sign(request_id=awaiting_signature.pk, actor=fresh(personas.staff_x))
    assert not RegisterEntry.objects.exists()


def test_a_deputy_never_signs_their_own_request(client, personas, item):
    today = timezone.localdate()
    name_deputy(personas, client, today.isoformat(), today.isoformat())
    verifier = UserFactory(username="verifier_y")
    member(verifier, Role.STAFF, personas.community_x)
    member(personas.staff_x, Role.RESIDENT, personas.community_x)
    request = make_request(community=personas.community_x, item=item, applicant=fresh(personas.staff_x))
    request = workflow.submit(request_id=request.pk, actor=fresh(personas.staff_x))
    request = workflow.verify(request_id=request.pk, actor=verifier, method="document_check", note="查验")
    request = workflow.send_for_signature(request_id=request.pk, actor=verifier)
    with pytest.raises(workflow.WorkflowError, match="本人"):
        workflow.sign(request_id=request.pk, actor=fresh(personas.staff_x))


def test_only_the_director_names_a_deputy_and_never_themselves(client, personas):
    today = timezone.localdate().isoformat()
    client.force_login(personas.staff_x)
    assert client.get(reverse("deputy")).status_code == 403
    with pytest.raises(ValidationError, match="本人"):
        appointments.deputy_name(
            director=personas.director,
            community=personas.community_x,
            deputy=personas.director,
            starts_on=TODAY(),
            ends_on=TODAY(),
        )
    assert name_deputy(personas, client, today, today).status_code == 302
