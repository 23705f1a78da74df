"""The desk on a phone: every entry of the desk navigation is on the screen (it used to be cut off at "印…"), and a
director signs a matter from the 待主任签字 list where sign-in lands. Screenshots at 390 and 1280 pixels wide."""

import pytest
from playwright.sync_api import expect

from catalog.models import IssuableItem
from certificates.models import Status
from tests.factories import make_request

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NAV = ["待办申请", "窗口受理", "清单外据实出具", "登记簿", "印章", "用印登记簿"]


@pytest.mark.parametrize("width", [390, 1280])
def test_the_director_sees_every_desk_entry_and_signs_from_the_list(personas, open_page, sign_in, shoot, width):
    request = make_request(
        community=personas.community_x,
        item=IssuableItem.objects.get(code="610113-ZM01"),
        applicant=personas.resident_a,
        status=Status.AWAITING_SIGNATURE,
        verified_by=personas.staff_x,
        field_values={"relative_name": "李四", "relation": "父子", "notary_office": "西安市某公证处"},
    )
    page = open_page("phone" if width < 500 else "desktop")
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, personas.director)
    expect(page).to_have_url(__import__("re").compile(r"/desk/\?tab=signature"))  # sign-in lands on the list
    nav = page.get_by_role("navigation", name="社区工作台")
    for label in NAV:
        link = nav.get_by_role("link", name=label, exact=True)
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (label, box)  # on the screen, not cut
    expect(page.locator(".certificate-preview")).to_contain_text("李四")
    shoot(page, f"director-sign-list-{width}")
    page.get_by_role("button", name="签字批准并登记").click()  # one click after signing in
    expect(page.get_by_text("已签字：亲属关系证明")).to_be_visible()
    shoot(page, f"director-signed-{width}")
    request.refresh_from_db()
    assert request.status == Status.SIGNED
