"""The busiest signed-in pages kept per person and session (portal/pagecache.py): a repeated view runs no query, and
yet every change a page shows is on its very next view, for everyone who sees it; a change elsewhere keeps the page;
a narrowed role, a message, another language or the care mode never meet a page kept for something else; the form
token is fresh on every serving; and the shared cache holds no readable page."""

import re

import pytest
from django.conf import settings
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import IssuableItem
from certificates import workflow
from certificates.models import RegisterEntry
from portal import authstate, pagecache
from portal.models import Membership, User
from portal.roles import Role
from tests.conftest import commit_page_retirements
from tests.factories import make_request

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def item(db) -> IssuableItem:
    return IssuableItem.objects.get(code="610113-ZM01")


def view(client: Client, url: str):
    """(response, number of queries): a page served from the cache runs none."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, len(queries.captured_queries)


def pages(personas) -> dict[str, tuple[User, str]]:
    return {
        "queue": (personas.staff_x, reverse("desk:queue")),
        "register": (personas.director, reverse("desk:register", args=[personas.community_x.code])),
        "county": (personas.county_officer, reverse("desk:county")),
        "my requests": (personas.resident_a, reverse("requests:my_requests")),
    }


def signed_in(user: User, **client_options) -> Client:
    client = Client(**client_options)
    client.force_login(user)  # and the second step (tests/conftest.py)
    return client


def without_tokens(body: bytes) -> str:
    return TOKEN.sub("", body.decode())


def submitted(personas, item, community=None):
    request = make_request(community=community or personas.community_x, item=item, applicant=personas.resident_a)
    return workflow.submit(request_id=request.pk, actor=personas.resident_a)


@pytest.mark.parametrize("page", ["queue", "register", "county", "my requests"])
def test_a_repeated_view_is_served_without_a_query(page_cache, personas, item, page):
    submitted(personas, item)
    user, url = pages(personas)[page]
    client = signed_in(user)
    first, first_queries = view(client, url)
    again, again_queries = view(client, url)
    assert first.status_code == again.status_code == 200
    assert first_queries > 0 and again_queries == 0
    assert without_tokens(again.content) == without_tokens(first.content)


def test_without_the_shared_cache_every_view_is_computed(personas):
    client = signed_in(personas.staff_x)
    view(client, reverse("desk:queue"))
    response, queries = view(client, reverse("desk:queue"))
    assert response.status_code == 200 and queries > 0


def test_a_request_moving_on_shows_at_once_on_every_page_that_shows_it(page_cache, personas, item):
    clients = {name: (signed_in(user), url) for name, (user, url) in pages(personas).items()}
    before = {name: view(client, url)[0].content for name, (client, url) in clients.items()}
    for client, url in clients.values():
        assert view(client, url)[1] == 0  # kept

    request = submitted(personas, item)
    commit_page_retirements()
    link = reverse("desk:detail", args=[request.pk])
    assert link in view(*clients["queue"])[0].content.decode()
    assert reverse("requests:detail", args=[request.pk]) in view(*clients["my requests"])[0].content.decode()
    assert view(*clients["county"])[0].content != before["county"]  # the community's row counts one more

    workflow.verify(request_id=request.pk, actor=personas.staff_x, method="document_check", note="查验户口簿")
    workflow.send_for_signature(request_id=request.pk, actor=personas.staff_x)
    workflow.sign(request_id=request.pk, actor=personas.director)
    commit_page_retirements()
    number = RegisterEntry.objects.get(request=request).display_number
    assert number in view(*clients["register"])[0].content.decode()


def test_a_change_in_another_community_keeps_the_page(page_cache, personas, item):
    commit_page_retirements()  # the set-up's writes, committed long before
    client = signed_in(personas.staff_x)
    officer = signed_in(personas.county_officer)  # 雁塔区: community Y is in 未央区
    view(client, reverse("desk:queue"))
    view(officer, reverse("desk:county"))
    submitted(personas, item, community=personas.community_y)
    commit_page_retirements()
    assert view(client, reverse("desk:queue"))[1] == 0
    assert view(officer, reverse("desk:county"))[1] == 0


def test_a_change_the_signals_cannot_place_retires_every_page(page_cache, personas, item):
    client = signed_in(personas.staff_x)
    view(client, reverse("desk:queue"))
    item.save()  # a county's catalog item: every page that names its items
    commit_page_retirements()
    assert view(client, reverse("desk:queue"))[1] > 0


def test_signing_in_elsewhere_or_a_new_account_keeps_the_pages(page_cache, personas):
    commit_page_retirements()  # the set-up's writes, committed long before
    client = signed_in(personas.staff_x)
    view(client, reverse("desk:queue"))
    signed_in(personas.director)  # writes the director's last_login
    User.objects.create_user(username="newcomer", password="a-long-password-2026")
    commit_page_retirements()
    assert view(client, reverse("desk:queue"))[1] == 0


@pytest.mark.parametrize(
    "change", [{"active": False}, {"role": Role.RESIDENT}], ids=["ended", "same place, other role"]
)
def test_a_narrowed_role_never_meets_its_kept_page(page_cache, personas, change):
    client = signed_in(personas.staff_x)
    assert view(client, reverse("desk:queue"))[0].status_code == 200
    # As a data migration would: no signal, only the sign-in copies cleared (the documented deploy step).
    Membership.objects.filter(user=personas.staff_x).update(**change)
    authstate._forget(authstate.memberships_key(personas.staff_x.pk))
    assert view(client, reverse("desk:queue"))[0].status_code == 403


def test_a_page_read_before_a_change_commits_is_retired_after_the_commit(page_cache, personas, item, monkeypatch):
    """A concurrent reader may take the generation after the change's first delete and compute the page from the
    rows before its commit: the change deletes the generation again once it has committed."""
    client = signed_in(personas.staff_x)
    # The test's own transaction already holds the fixtures' callbacks; start from none, as a request's does.
    monkeypatch.setattr(connection, "run_on_commit", [])
    with transaction.atomic():
        submitted(personas, item)
        view(client, reverse("desk:queue"))  # stands for that reader (here it even sees the row: the test only
        assert view(client, reverse("desk:queue"))[1] == 0  # needs a page kept under the generation it read)
    commit_page_retirements()
    assert view(client, reverse("desk:queue"))[1] > 0


def test_a_page_with_a_message_is_neither_served_from_nor_kept(page_cache, personas):
    client = signed_in(personas.staff_x)
    url = reverse("desk:queue")
    view(client, url)  # kept without a message
    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(messages.SUCCESS, "已记录核实情况。")
    carrier = HttpResponse()
    storage.update(carrier)
    client.cookies["messages"] = carrier.cookies["messages"].value
    assert "已记录核实情况。" in client.get(url).content.decode()
    after = client.get(url).content.decode()
    assert "已记录核实情况。" not in after  # shown once, and not kept with the page


@pytest.mark.parametrize("other", ["language", "care mode"])
def test_another_language_or_the_care_mode_is_its_own_page(page_cache, personas, other):
    client = signed_in(personas.staff_x)
    url = reverse("desk:queue")
    view(client, url)
    if other == "language":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        expected = 'lang="en"'
    else:
        client.cookies["care_mode"] = "1"
        expected = "care-mode"
    response, queries = view(client, url)
    assert queries > 0 and expected in response.content.decode()


def test_the_form_token_is_fresh_on_every_serving_and_is_accepted(page_cache, personas):
    client = signed_in(personas.staff_x, enforce_csrf_checks=True)
    url = reverse("desk:queue")
    view(client, url)
    first, queries = view(client, url)
    second, _ = view(client, url)
    assert queries == 0
    first_tokens = set(TOKEN.findall(first.content.decode()))
    second_tokens = set(TOKEN.findall(second.content.decode()))
    assert first_tokens and second_tokens and not first_tokens & second_tokens  # masked anew for every serving
    assert b"\x00" not in first.content
    response = client.post(reverse("care_mode"), {"csrfmiddlewaretoken": second_tokens.pop(), "care": "1"})
    assert response.status_code == 302  # a rejected token would be 403


def test_the_shared_cache_holds_no_readable_page(page_cache, personas, item):
    request = submitted(personas, item)
    client = signed_in(personas.staff_x)
    response, _ = view(client, reverse("desk:queue"))
    assert request.applicant_name in response.content.decode()
    assert view(client, reverse("desk:queue"))[1] == 0
    # locmem: the pickled values as Redis would hold them
    kept = b"".join(value for key, value in cache._cache.items() if "pagecache:v1:page:" in key)
    assert kept
    assert request.applicant_name.encode() not in kept
    assert "育才路".encode() not in kept


def test_a_transaction_of_many_writes_retires_once_after_its_commit(page_cache, personas, item, monkeypatch):
    client = signed_in(personas.staff_x)
    monkeypatch.setattr(connection, "run_on_commit", [])
    with transaction.atomic():
        try:
            with transaction.atomic():  # a change in a savepoint that rolls back: its callback goes with it
                submitted(personas, item)
                raise RuntimeError
        except RuntimeError:
            pass
        for _ in range(3):
            submitted(personas, item)
        view(client, reverse("desk:queue"))  # a reader keeps the page under the generation of that moment
    retirements = [c for _s, c, _r in connection.run_on_commit if isinstance(c, pagecache._Retirement)]
    assert len(retirements) == 1
    assert view(client, reverse("desk:queue"))[1] == 0
    commit_page_retirements()
    assert view(client, reverse("desk:queue"))[1] > 0


def test_a_workflow_step_deletes_in_one_call_after_its_commit_and_none_before(page_cache, personas, item, monkeypatch):
    """A Redis that drops packets costs each call a second: a step that saves several rows makes one delete call,
    after its commit (before it, no other reader can see the change)."""
    commit_page_retirements()  # the set-up's writes
    calls = []
    monkeypatch.setattr(cache, "delete", lambda *args, **kwargs: calls.append(("delete", args)))
    monkeypatch.setattr(cache, "delete_many", lambda *args, **kwargs: calls.append(("delete_many", args)))
    monkeypatch.setattr(connection, "run_on_commit", [])
    request = submitted(personas, item)
    workflow.verify(request_id=request.pk, actor=personas.staff_x, method="document_check", note="查验户口簿")
    assert calls == []
    commit_page_retirements()
    assert len(calls) == 1 and calls[0][0] == "delete_many"


def kept_pages() -> int:
    return sum(1 for key in cache._cache if "pagecache:v1:page:" in key)


def test_made_up_query_parameters_keep_no_page(page_cache, personas):
    client = signed_in(personas.resident_a)
    for n in range(5):
        response, queries = view(client, reverse("requests:my_requests") + f"?junk={n}")
        assert response.status_code == 200 and queries > 0
    assert kept_pages() == 0
    view(client, reverse("requests:my_requests") + "?page=1")  # a parameter the view reads
    assert kept_pages() == 1


def test_pages_cycled_in_a_loop_keep_no_more_than_the_minutes_allowance(page_cache, personas, monkeypatch):
    monkeypatch.setattr(pagecache, "KEPT_PER_MINUTE", 3)
    client = signed_in(personas.resident_a)
    for n in range(1, 8):
        assert client.get(reverse("requests:my_requests"), {"page": n}).status_code == 200
    assert kept_pages() == 3


@pytest.mark.parametrize("kept", [b"not a sealed page", ("headers", "of", "an", "older", "shape"), None])
def test_a_value_of_another_shape_or_tampered_with_is_a_miss(page_cache, personas, kept):
    client = signed_in(personas.staff_x)
    view(client, reverse("desk:queue"))
    for key in [k for k in cache._cache if "pagecache:v1:page:" in k]:
        cache.set(key.split(":", 2)[2], kept, 60)
    response, queries = view(client, reverse("desk:queue"))
    assert response.status_code == 200 and queries > 0


def test_a_page_kept_by_another_release_is_not_served(page_cache, personas, monkeypatch):
    client = signed_in(personas.staff_x)
    view(client, reverse("desk:queue"))
    assert view(client, reverse("desk:queue"))[1] == 0
    monkeypatch.setattr(pagecache, "_build", lambda: "the-next-release")
    assert view(client, reverse("desk:queue"))[1] > 0


def test_places_imported_in_bulk_retire_every_page(page_cache, personas):
    """The region import creates places with bulk_create, which sends no signal: the county desk lists them."""
    from portal.regions_import import import_regions

    commit_page_retirements()
    officer = signed_in(personas.county_officer)
    view(officer, reverse("desk:county"))
    street = personas.community_x.parent
    new = {"code": street.code[:9] + "099", "name": "新建社区", "level": "community", "parent": street.code}
    import_regions([{**new, "urban_rural": "111"}], create_only=True)
    commit_page_retirements()
    response, queries = view(officer, reverse("desk:county"))
    assert queries > 0 and "新建社区" in response.content.decode()


def test_a_workflow_step_costs_no_query_for_the_page_cache(page_cache, personas, item, settings):
    """Rows are placed from their own fields (the request they belong to is at hand); a place's code is read once per
    process."""
    from portal import pagecache

    def step_queries(enabled: bool) -> int:
        settings.PAGE_CACHE_SECONDS = 60 if enabled else 0
        request = submitted(personas, item)
        with CaptureQueriesContext(connection) as queries:
            workflow.verify(request_id=request.pk, actor=personas.staff_x, method="document_check", note="查验户口簿")
        return len(queries.captured_queries)

    step_queries(True)  # reads the community's code once
    assert pagecache._codes
    assert step_queries(True) == step_queries(False)


def test_a_rolled_back_write_retires_nothing(page_cache, personas, item, monkeypatch):
    """A savepoint that wrote in community Y and rolled back: the transaction's commit retires X's pages, not Y's."""
    commit_page_retirements()
    other = signed_in(personas.staff_y)
    view(other, reverse("desk:queue"))
    monkeypatch.setattr(connection, "run_on_commit", [])
    with transaction.atomic():
        try:
            with transaction.atomic():
                submitted(personas, item, community=personas.community_y)
                raise RuntimeError
        except RuntimeError:
            pass
        submitted(personas, item)
    commit_page_retirements()
    assert view(other, reverse("desk:queue"))[1] == 0
