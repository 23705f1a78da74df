"""The public verification page from the shared cache (portal/pagecache.VerificationPage): a repeated plain view
computes nothing but still records the verification; a revocation or the next day shows at once; a QR payload check
or a file check is never answered from it; and the shared cache holds nothing readable of it."""

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from certificates import workflow
from certificates.issuance import certificate_revoke
from certificates.models import IssuedCertificate, VerificationRecord
from tests.conftest import commit_page_retirements

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


@pytest.fixture
def certificate(personas, signed_request, real_seal) -> IssuedCertificate:
    request = workflow.issue(request_id=signed_request.pk, actor=personas.keeper, seal_id=real_seal.pk)
    return IssuedCertificate.objects.get(entry__request=request)


def verify(client, certificate, **query):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("verify", args=[certificate.code]), query)
    return response, [q["sql"] for q in queries.captured_queries]


def test_a_repeated_view_reads_nothing_and_still_records_the_check(page_cache, client, certificate):
    for _ in range(3):  # the first learns the community, the second keeps the page, the third is served
        first, _ = verify(client, certificate)
    served, queries = verify(client, certificate)
    assert served.status_code == 200 and "有效：该证明由本平台出具" in served.content.decode()
    assert TOKEN.sub("", served.content.decode()) == TOKEN.sub("", first.content.decode())
    assert len(queries) == 1 and queries[0].startswith('INSERT INTO "certificates_verificationrecord"')
    assert VerificationRecord.objects.filter(certificate=certificate).count() == 4


def test_a_revocation_shows_on_the_next_view(page_cache, client, personas, certificate):
    for _ in range(3):
        verify(client, certificate)
    certificate_revoke(certificate=certificate, actor=personas.director, reason="事后核查发现承诺不实")
    commit_page_retirements()
    page = verify(client, certificate)[0].content.decode()
    assert "已撤销" in page and "有效：" not in page


def test_the_next_day_is_its_own_page(page_cache, client, certificate, monkeypatch):
    for _ in range(3):
        verify(client, certificate)
    later = certificate.valid_until + dt.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: later)
    page = verify(client, certificate)[0].content.decode()
    assert "已过期" in page and "有效：" not in page


def test_a_qr_payload_check_is_always_computed(page_cache, client, certificate):
    for _ in range(3):
        verify(client, certificate)
    for _ in range(3):  # as often as the plain view needs to be served from the cache
        response, queries = verify(client, certificate, p="not-a-signed-payload")
        assert response.status_code == 200 and len(queries) > 1
    assert VerificationRecord.objects.filter(certificate=certificate, channel="payload").count() == 3


def test_the_shared_cache_holds_nothing_readable_of_the_page(page_cache, client, certificate):
    for _ in range(3):
        page = verify(client, certificate)[0].content.decode()
    number = certificate.entry.display_number
    assert number in page
    kept = b"".join(value for key, value in cache._cache.items() if "pagecache:" in key)
    assert kept and number.encode() not in kept and certificate.code.encode() not in kept


@pytest.mark.parametrize("first, then", [("director", None), (None, "director"), ("resident_a", None)])
def test_a_signed_in_visitors_page_and_an_anonymous_one_are_never_swapped(
    page_cache, personas, certificate, first, then
):
    """The page's header names a signed-in visitor (the holder checking their own certificate: in full, where the
    summary masks it) and offers their menus: only visitors who are not signed in share a kept page."""

    def visitor(name):
        client = Client()
        if name:
            client.force_login(personas.by_name(name))
        return client

    url = reverse("verify", args=[certificate.code])
    for _ in range(3):
        visitor(first).get(url)
    page = visitor(then).get(url).content.decode()
    if then is None:
        assert personas.by_name(first).display_name not in page and reverse("logout") not in page
        assert certificate.entry.applicant_name not in page  # masked in the summary
    else:
        assert personas.by_name(then).display_name in page and reverse("logout") in page
