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
