"""Going live without a superuser (issue 9): every role's day-to-day pages answer in the portal itself, and none of
them sends anyone to the Django admin, which stays for superusers only."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
X = "610113001001"


def pages(name: str) -> list[str]:
    """The day-to-day pages of each role, by what they do."""
    return {
        # a resident: sign up (before signing in), their community, apply, follow requests, settings
        "resident_a": [
            reverse("my_community"),
            reverse("requests:apply", args=[X, "610113-ZM01"]),
            reverse("requests:my_requests"),
            reverse("account_settings"),
        ],
        # staff: the queue, counter entry, confirming residents, the register
        "staff_x": [
            reverse("desk:queue"),
            reverse("desk:counter_new", args=[X]),
            reverse("community_bindings"),
            reverse("desk:register", args=[X]),
        ],
        # the director: signing from the queue, naming a deputy, the register, seals
        "director": [
            reverse("desk:queue"),
            reverse("deputy"),
            reverse("desk:register", args=[X]),
            reverse("seals:index"),
        ],
        # the keeper: the issuing queue and the seals
        "keeper": [reverse("issuance:keeper_queue"), reverse("seals:index")],
        # the county officer: appointments, oversight, the catalog, lockouts
        "county_officer": [
            reverse("officer_people"),
            reverse("officer_community_people", args=[X]),
            reverse("desk:county"),
            reverse("catalog_officer:dashboard"),
            reverse("officer_lockouts"),
            reverse("second_factor_resets"),  # a lost authenticator of the county's community posts
        ],
        # the provincial officer: oversight, the catalog, county officers' lost authenticators
        "provincial_officer": [
            reverse("desk:county"),
            reverse("catalog_officer:dashboard"),
            reverse("second_factor_resets"),
        ],
        "street_officer": [reverse("desk:county")],
        "city_officer": [reverse("desk:county")],
    }[name]


ROLES = [
    "resident_a",
    "staff_x",
    "director",
    "keeper",
    "county_officer",
    "provincial_officer",
    "street_officer",
    "city_officer",
]


@pytest.mark.parametrize("name", ROLES)
def test_every_roles_day_to_day_pages_work_without_the_admin(client, personas, name):
    user = getattr(personas, name)  # street and city officers: 小寨路街道 and 西安市 (tests/conftest.py)
    assert not user.is_staff and not user.is_superuser
    client.force_login(user)
    for url in pages(name):
        response = client.get(url, follow=True)  # a list of one place goes straight to that place
        assert response.status_code == 200, url
        assert 'href="/admin' not in response.content.decode(), url
    assert client.get("/admin/").status_code == 302  # the admin is not theirs


def test_a_new_resident_needs_no_admin_to_join(client):
    for url in (reverse("sign_up"), reverse("login_code"), reverse("password_reset_sms")):
        response = client.get(url)
        assert response.status_code == 200 and 'href="/admin' not in response.content.decode()
