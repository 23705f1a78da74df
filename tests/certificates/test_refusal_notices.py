"""Refusal-and-referral notices (issue 10): anyone may print the unnumbered guide; a numbered 不予出具告知单 is issued
only to a signed-in resident or by staff at the counter, stored once as a PDF with a verification code; the county's
demand statistics count only numbered notices."""

import hashlib

import pytest
from django.core.cache import cache
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from catalog.models import NonIssuableItem
from certificates import services
from certificates.models import RefusalNotice
from certificates.selectors import refusal_counts
from certificates.workflow import WorkflowError

X = "610113001001"


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


def n05():
    return NonIssuableItem.objects.get(code="N05")


def test_anyone_prints_the_unnumbered_guide_which_is_neither_stored_nor_counted(personas, client):
    page = client.get(reverse("requests:refusal_guide", args=[X, "N05"])).content.decode()
    assert "不予出具证明办理指引" in page and "不编号" in page and n05().alternative_department in page
    assert "第1号" not in page
    pdf = client.get(reverse("requests:refusal_guide_pdf", args=[X, "N05"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert not RefusalNotice.objects.exists()


def test_an_anonymous_visitor_cannot_take_a_numbered_notice(personas, client):
    url = reverse("requests:refusal_notice_create", args=[X, "N05"])
    offer = client.get(url).content.decode()
    assert "打印办理指引（不编号）" in offer and "登录后开具编号告知单" in offer
    assert client.post(url, {"requesting_body": "某公司"}).status_code == 403
    with pytest.raises(WorkflowError):
        services.refusal_notice_create(community=personas.community_x, item=n05(), actor=None)
    assert not RefusalNotice.objects.exists()


def test_a_resident_takes_a_numbered_notice_stored_once_with_a_code(personas, login):
    client = login(personas.resident_a)
    response = client.post(reverse("requests:refusal_notice_create", args=[X, "N05"]), {"requesting_body": "某公司"})
    notice = RefusalNotice.objects.get()
    assert response["Location"] == reverse("requests:refusal_notice", args=[notice.token])
    assert (notice.resident, notice.issued_by, notice.number) == (personas.resident_a, None, 1)
    stored = notice.pdf.open("rb").read()
    assert hashlib.sha256(stored).hexdigest() == notice.sha256 and notice.code
    assert client.get(reverse("requests:refusal_notice_pdf", args=[notice.token])).content == stored
    verified = login(None).get(reverse("verify", args=[notice.code])).content.decode()
    assert "不予出具证明告知单" in verified and f"〔{notice.year}〕第1号" in verified


def test_staff_issue_a_numbered_notice_at_the_counter(personas, login):
    client = login(personas.staff_x)
    page = client.get(reverse("requests:refusal_notice_create", args=[X, "N05"])).content.decode()
    assert "窗口出具" in page
    client.post(reverse("requests:refusal_notice_create", args=[X, "N05"]), {"requesting_body": "某银行"})
    notice = RefusalNotice.objects.get()
    assert (notice.issued_by, notice.resident) == (personas.staff_x, None)


def test_the_county_counts_only_numbered_notices(personas):
    services.refusal_notice_create(community=personas.community_x, item=n05(), actor=personas.resident_a)
    services.refusal_notice_create(community=personas.community_x, item=n05(), actor=personas.staff_x)
    # an anonymous notice from before the rule: kept (permanent), not counted as demand
    RefusalNotice.objects.create(community=personas.community_x, item=n05(), year=timezone.localdate().year, number=99)
    counts = refusal_counts(Q(community__code__startswith="610113"), timezone.localdate().year)
    assert counts["total"] == 2
