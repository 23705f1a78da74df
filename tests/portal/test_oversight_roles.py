"""Street/township and city officers (issue 9): read access to the places below theirs, the oversight page and, for
a street officer, the post-check duty; no catalog editing, no seal management, nothing outside their place."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.models import IssuableItem
from certificates import services
from certificates.models import PostCheck, Status
from tests.factories import make_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def street_officer(personas):
    return personas.street_officer  # 小寨路街道, above community X


@pytest.fixture
def city_officer(personas):
    return personas.city_officer  # 西安市


@pytest.fixture
def requests_x_y(personas):
    item = IssuableItem.objects.get(code="610113-ZM01")
    x = make_request(
        community=personas.community_x,
        item=item,
        applicant=personas.resident_a,
        status=Status.ISSUED,
        post_check_required=True,
    )
    y = make_request(
        community=personas.community_y, item=item, applicant=None, created_by=personas.staff_y, status=Status.SUBMITTED
    )
    return x, y


def test_a_street_officer_reads_their_streets_communities_only(client, street_officer, requests_x_y):
    x, y = requests_x_y
    client.force_login(street_officer)
    assert client.get(reverse("desk:detail", args=[x.pk])).status_code == 200
    assert client.get(reverse("desk:detail", args=[y.pk])).status_code == 404
    assert client.get(reverse("desk:county")).status_code == 200
    assert client.get(reverse("catalog_officer:dashboard")).status_code == 403  # no catalog editing
    assert client.get(reverse("officer_people")).status_code == 403  # appointments are the county's


def test_a_street_officer_does_post_checks_in_their_street(client, street_officer, requests_x_y):
    x, _y = requests_x_y
    assert services.can_post_check(street_officer, x)
    client.force_login(street_officer)
    data = {"result": "confirmed", "method": "home_visit", "note": "入户走访，承诺属实。"}
    response = client.post(reverse("desk:post_check", args=[x.pk]), data)
    assert response.status_code == 302
    check = PostCheck.objects.get(request=x)
    assert check.checked_by == street_officer


def test_a_city_officer_reads_every_county_of_the_city_and_changes_nothing(
    client, personas, city_officer, requests_x_y
):
    x, y = requests_x_y
    client.force_login(city_officer)
    assert client.get(reverse("desk:detail", args=[x.pk])).status_code == 200
    assert client.get(reverse("desk:detail", args=[y.pk])).status_code == 200
    assert not services.can_post_check(city_officer, x)
    assert client.get(reverse("catalog_officer:dashboard")).status_code == 403
    page = client.get(reverse("desk:county")).content.decode()
    assert "育才路社区居民委员会" in page and "张家堡社区居民委员会" in page


# --- the officers' desk navigation: complaints (监督举报) and alerts (异常预警) for every officer who may read them ---

# The place whose lists the links open: the officer's own (highest) place. Everyone else gets no such links.
OVERSIGHT_HOME = {
    "street_officer": "610113001000",  # 小寨路街道
    "county_officer": "610113000000",  # 雁塔区
    "other_county_officer": "610112000000",  # 未央区
    "city_officer": "610100000000",  # 西安市
    "provincial_officer": "610000000000",  # 陕西省
}
NOT_OVERSEEING = ("resident_a", "resident_b", "staff_x", "staff_y", "director", "keeper", "department_officer")


def desk_nav_links(page: str) -> list[str]:
    import re

    navs = re.findall(r'<nav class="nav nav-underline desk-nav[^>]*>(.*?)</nav>', page, re.S)
    return [href for nav in navs for href in re.findall(r'href="([^"]+)"', nav)]


@pytest.mark.parametrize("persona", sorted(OVERSIGHT_HOME))
def test_every_overseeing_officer_has_complaints_and_alerts_in_the_desk_nav(personas, login, persona):
    client = login(personas.by_name(persona))
    code = OVERSIGHT_HOME[persona]
    assert personas.by_name(persona).memberships.get().region.code == code
    complaints, alerts = reverse("desk:complaints", args=[code]), reverse("desk:alerts", args=[code])
    for page in ("desk:county", "desk:oversight_area"):
        url = reverse(page, args=[code]) if page == "desk:oversight_area" else reverse(page)
        links = desk_nav_links(client.get(url).content.decode())
        assert complaints in links and alerts in links, (persona, page, links)
    # the links are the officer's to open, and so is everything else in their desk navigation (no link to a 403)
    for link in desk_nav_links(client.get(complaints).content.decode()):
        assert client.get(link).status_code in (200, 302), (persona, link)


@pytest.mark.parametrize("persona", NOT_OVERSEEING)
def test_no_complaints_or_alerts_links_for_those_who_do_not_oversee(personas, login, persona):
    client = login(personas.by_name(persona))
    prefixes = (reverse("desk:complaints", args=["0"])[:-2], reverse("desk:alerts", args=["0"])[:-2])
    for url in (reverse("home"), reverse("desk:queue")):
        page = client.get(url).content.decode()
        assert not any(prefix in page for prefix in prefixes), (persona, url)
