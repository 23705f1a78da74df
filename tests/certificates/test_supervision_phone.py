"""The county sets the supervision phone (监督电话) its communities' notice boards print, in the portal's own page:
with a reason, every change kept (permanent), only by the county's own officer."""

import pytest
from django.urls import reverse

from catalog.noticeboards import NoticeBoard
from certificates import services
from certificates.models import SupervisionPhoneChange
from portal.models import Region
from portal.permanent import PermanentRecordError


def url(personas):
    return reverse("desk:county_exceptions", args=[personas.yanta.code])


def test_the_county_officer_sets_the_phone_and_the_notice_board_prints_it(personas, login):
    client = login(personas.county_officer)
    data = {"action": "phone", "phone-phone": "029-8536 1234", "phone-reason": "民政局监督电话开通"}
    assert client.post(url(personas), data).status_code == 302
    assert Region.objects.get(pk=personas.yanta.pk).supervision_phone == "029-85361234"
    community = Region.objects.get(pk=personas.community_x.pk)  # as a page reads it, not the fixture's cached parents
    board = NoticeBoard.build(community, page_url="http://127.0.0.1:8000/x/")
    assert board.supervision_phone == "029-85361234"
    page = client.get(url(personas)).content.decode()
    assert "029-85361234" in page and "民政局监督电话开通" in page  # in force, and the history with its reason

    data = {"action": "phone", "phone-phone": "", "phone-reason": "号码停用"}
    assert client.post(url(personas), data).status_code == 302
    assert Region.objects.get(pk=personas.yanta.pk).supervision_phone == ""
    assert [c.phone for c in SupervisionPhoneChange.objects.filter(county=personas.yanta)] == ["", "029-85361234"]


def test_a_number_that_is_not_a_phone_is_refused_and_what_was_typed_is_kept(personas, login):
    client = login(personas.county_officer)
    response = client.post(url(personas), {"action": "phone", "phone-phone": "请拨打热线", "phone-reason": "试"})
    assert response.status_code == 200
    form = response.context["phone_form"]
    assert "phone" in form.errors and form["phone"].value() == "请拨打热线"
    assert not SupervisionPhoneChange.objects.exists()


def test_only_the_county_own_officer_sets_it(personas, login):
    data = {"action": "phone", "phone-phone": "029-85361234", "phone-reason": "试"}
    province = login(personas.provincial_officer)
    assert province.get(url(personas)).context["phone_form"] is None  # reads the page, cannot set
    assert province.post(url(personas), data).status_code == 403
    assert login(personas.other_county_officer).post(url(personas), data).status_code == 404
    with pytest.raises(services.WorkflowError):
        services.supervision_phone_set(county=personas.yanta, actor=personas.staff_x, phone="029-85361234", reason="试")
    assert not SupervisionPhoneChange.objects.exists()


def test_a_reason_is_required_and_the_history_is_permanent(personas):
    with pytest.raises(services.RequestInvalid):
        services.supervision_phone_set(county=personas.yanta, actor=personas.county_officer, phone="12345", reason=" ")
    change = services.supervision_phone_set(
        county=personas.yanta, actor=personas.county_officer, phone="029-85361234", reason="开通"
    )
    change.phone = "110"
    with pytest.raises(PermanentRecordError):
        change.save()
