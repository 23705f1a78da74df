"""Issuing through HTTP: the keeper's queue, separation of duties, one certificate per request however often the
button is pressed, downloads of the stored bytes (reprints logged), revocation, and the certificate panel."""

import hashlib

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from certificates import workflow
from certificates.models import CertificateReprint, CertificateRevocation, DownloadKind, IssuedCertificate, Status
from portal.roles import Role
from seals.models import Seal, SealUse
from tests.factories import UserFactory, member


def issue_post(client, request, seal, revision=None):
    return client.post(
        reverse("issuance:issue", args=[request.pk]),
        {"seal": seal.pk, "revision": request.revision if revision is None else revision},
    )


@pytest.fixture
def issued(personas, signed_request, seal):
    return workflow.issue(request_id=signed_request.pk, actor=personas.keeper, seal_id=seal.pk)


# --- the queue and the issue action ---------------------------------------------------------------------------------


def test_the_keeper_sees_the_signed_request_with_the_seal_to_use(personas, login, signed_request, seal):
    page = login(personas.keeper).get(reverse("issuance:keeper_queue")).content.decode()
    assert signed_request.register_entry.display_number in page
    assert seal.name in page and "加盖印章并出具" in page
    assert f'name="revision" value="{signed_request.revision}"' in page


@pytest.mark.parametrize("persona", ["staff_x", "director", "resident_a", "county_officer"])
def test_the_queue_is_for_keepers_only(personas, login, persona):
    assert login(personas.by_name(persona)).get(reverse("issuance:keeper_queue")).status_code == 403


def test_issue_through_http_then_the_applicant_downloads_the_same_bytes(personas, login, signed_request, seal):
    response = issue_post(login(personas.keeper), signed_request, seal)
    assert response.status_code == 302
    certificate = IssuedCertificate.objects.get(entry__request=signed_request)
    signed_request.refresh_from_db()
    assert signed_request.status == Status.ISSUED

    download = login(personas.resident_a).get(reverse("issuance:download", args=[signed_request.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert hashlib.sha256(download.content).hexdigest() == certificate.sha256
    assert "attachment" in download["Content-Disposition"] and "no-store" in download["Cache-Control"]
    first = CertificateReprint.objects.get()  # the applicant's first download hands it out: not a reprint
    assert (first.by, first.kind) == (personas.resident_a, DownloadKind.FIRST)

    staff = login(personas.staff_x).get(reverse("issuance:download", args=[signed_request.pk]))
    assert staff.content == download.content
    reprint = CertificateReprint.objects.get(kind=DownloadKind.REPRINT)
    assert (reprint.certificate, reprint.by) == (certificate, personas.staff_x)


def test_a_double_post_gives_one_certificate(personas, login, signed_request, seal):
    client = login(personas.keeper)
    revision = signed_request.revision
    assert issue_post(client, signed_request, seal, revision).status_code == 302
    response = client.post(
        reverse("issuance:issue", args=[signed_request.pk]), {"seal": seal.pk, "revision": revision}, follow=True
    )
    assert response.status_code == 200
    assert "已被其他人处理或页面已过期" in response.content.decode()
    assert IssuedCertificate.objects.count() == 1 and SealUse.objects.count() == 1


def test_the_director_who_also_keeps_the_seal_cannot_issue_what_they_signed(personas, login, signed_request):
    member(personas.director, Role.KEEPER, personas.community_x)
    Seal.objects.create(community=personas.community_x, name="主任保管的章", keeper=personas.director, is_specimen=True)
    seal = Seal.objects.get(keeper=personas.director)
    client = login(personas.director)
    page = client.get(reverse("issuance:keeper_queue")).content.decode()
    assert "审批人与保管人不得为同一人" in page
    assert "加盖印章并出具" not in page
    response = issue_post(client, signed_request, seal)
    assert response.status_code == 302
    followed = client.get(response["Location"]).content.decode()
    assert "审批人与保管人不得为同一人" in followed
    assert not SealUse.objects.exists() and not IssuedCertificate.objects.exists()
    signed_request.refresh_from_db()
    assert signed_request.status == Status.SIGNED


def test_a_keeper_without_a_seal_is_told_why(personas, login, signed_request):
    page = login(personas.keeper).get(reverse("issuance:keeper_queue")).content.decode()
    assert "没有保管本社区在用的印章" in page and "加盖印章并出具" not in page


def test_a_retired_seal_is_not_offered_and_cannot_be_used(personas, login, signed_request, seal):
    seal.status = "retired"
    seal.save()
    client = login(personas.keeper)
    assert "加盖印章并出具" not in client.get(reverse("issuance:keeper_queue")).content.decode()
    response = issue_post(client, signed_request, seal)
    assert "不能使用" in client.get(response["Location"]).content.decode()
    assert not SealUse.objects.exists()


def test_staff_cannot_issue_and_other_communities_cannot_see(personas, login, signed_request, seal):
    assert issue_post(login(personas.staff_x), signed_request, seal).status_code == 403
    keeper_y = UserFactory(username="keeper_y")
    member(keeper_y, Role.KEEPER, personas.community_y)
    assert issue_post(login(keeper_y), signed_request, seal).status_code == 404
    assert issue_post(login(personas.resident_b), signed_request, seal).status_code == 404
    assert not IssuedCertificate.objects.exists()


def test_a_malformed_post_is_a_message_not_an_error(personas, login, signed_request):
    client = login(personas.keeper)
    response = client.post(reverse("issuance:issue", args=[signed_request.pk]), {"seal": "x"}, follow=True)
    assert response.status_code == 200 and "请选择要使用的印章" in response.content.decode()
    assert client.get(reverse("issuance:issue", args=[signed_request.pk])).status_code == 405


# --- downloads -------------------------------------------------------------------------------------------------------


def test_who_may_download(personas, login, issued):
    url = reverse("issuance:download", args=[issued.pk])
    assert login(personas.resident_b).get(url).status_code == 404
    assert login(personas.staff_y).get(url).status_code == 404
    assert login(personas.county_officer).get(url).status_code == 403  # supervises, but does not hand out certificates
    assert login(personas.keeper).get(url).status_code == 200
    assert CertificateReprint.objects.filter(by=personas.keeper).count() == 1


def test_the_keepers_first_download_is_the_first_issue_and_later_ones_are_reprints(personas, login, issued):
    url = reverse("issuance:download", args=[issued.pk])
    keeper = login(personas.keeper)
    queue = keeper.get(reverse("issuance:keeper_queue")).content.decode()
    assert "下载证明" in queue and "补打（下载）" not in queue  # nothing was handed out yet
    assert keeper.get(url).status_code == 200
    assert list(CertificateReprint.objects.values_list("by", "kind")) == [(personas.keeper.pk, DownloadKind.FIRST)]
    assert "补打（下载）" in keeper.get(reverse("issuance:keeper_queue")).content.decode()
    assert keeper.get(url).status_code == 200
    assert login(personas.resident_a).get(url).status_code == 200  # the holder's own copy: not logged
    assert list(CertificateReprint.objects.order_by("pk").values_list("by", "kind")) == [
        (personas.keeper.pk, DownloadKind.FIRST),
        (personas.keeper.pk, DownloadKind.REPRINT),
    ]


def test_the_residents_first_download_is_the_first_issue(personas, login, issued):
    url = reverse("issuance:download", args=[issued.pk])
    resident = login(personas.resident_a)
    assert resident.get(url).status_code == 200 and resident.get(url).status_code == 200
    assert list(CertificateReprint.objects.values_list("by", "kind")) == [(personas.resident_a.pk, DownloadKind.FIRST)]


def test_no_certificate_yet_is_404(personas, login, signed_request):
    assert login(personas.resident_a).get(reverse("issuance:download", args=[signed_request.pk])).status_code == 404


def test_a_tampered_file_is_refused_with_a_message(personas, login, issued):
    certificate = IssuedCertificate.objects.get(entry__request=issued)
    with open(certificate.pdf.path, "ab") as handle:
        handle.write(b"%% tampered")
    response = login(personas.resident_a).get(reverse("issuance:download", args=[issued.pk]))
    assert response.status_code == 409 and "校验值不一致" in response.content.decode()


# --- revocation ------------------------------------------------------------------------------------------------------


def test_the_director_revokes_with_a_reason(personas, login, issued):
    url = reverse("issuance:revoke", args=[issued.pk])
    assert login(personas.staff_x).post(url, {"reason": "核查不实"}).status_code == 403
    assert login(personas.resident_b).post(url, {"reason": "核查不实"}).status_code == 404
    client = login(personas.director)
    assert "确认撤销" in client.get(url).content.decode()
    blank = client.post(url, {"reason": "  "})
    assert blank.status_code == 400 and "请写明撤销理由" in blank.content.decode()
    assert not CertificateRevocation.objects.exists()
    detail = reverse("desk:detail", args=[issued.pk])
    no_category = client.post(url, {"reason": "事后核查发现承诺不实", "next": detail})
    assert no_category.status_code == 400 and "请选择撤销原因类别" in no_category.content.decode()
    response = client.post(url, {"reason": "事后核查发现承诺不实", "category": "false_commitment", "next": detail})
    assert response.status_code == 302 and response["Location"] == detail
    revocation = CertificateRevocation.objects.get()
    assert (revocation.reason, revocation.category) == ("事后核查发现承诺不实", "false_commitment")
    # the workflow's rule: an issued certificate only; a revoked one is refused with the workflow's reason
    again = client.post(url, {"reason": "再次撤销", "category": "other"})
    assert again.status_code == 403 and CertificateRevocation.objects.count() == 1
    assert "不能执行“撤销证明”" in client.get(url).content.decode()


def test_revoke_ignores_an_offsite_next(personas, login, issued):
    response = login(personas.director).post(
        reverse("issuance:revoke", args=[issued.pk]),
        {"reason": "承诺不实", "category": "other", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("desk:detail", args=[issued.pk])


# --- the panel included on request pages ------------------------------------------------------------------------------


def panel(user, request):
    from portal.access import active_memberships

    http = RequestFactory().get("/somewhere/")
    http.user = user
    user.__dict__.pop("_active_memberships", None)
    return render_to_string(
        "certificates/issuance/_certificate_panel.html",
        {"req": request, "user": user, "user_memberships": active_memberships(user), "request": http},
    )


def test_the_panel_shows_the_certificate_and_the_right_buttons(personas, issued):
    certificate = IssuedCertificate.objects.get(entry__request=issued)
    download = reverse("issuance:download", args=[issued.pk])
    revoke = reverse("issuance:revoke", args=[issued.pk])

    applicant = panel(personas.resident_a, issued)
    assert certificate.entry.display_number in applicant and certificate.code[:5] in applicant
    assert reverse("verify", args=[certificate.code]) in applicant
    assert download in applicant and revoke not in applicant

    staff = panel(personas.staff_x, issued)
    assert staff.count(download) == 1 and "补打（下载 PDF）" not in staff and revoke not in staff  # not downloaded yet
    assert "首次下载按出具登记" in staff

    member(personas.director, Role.STAFF, personas.community_x)  # two work roles: still one button
    director = panel(personas.director, issued)
    assert director.count(download) == 1 and revoke in director

    officer = panel(personas.county_officer, issued)
    assert download not in officer and revoke not in officer and certificate.entry.display_number in officer


def test_the_panel_is_empty_before_issuance_and_marks_a_revocation(personas, signed_request, seal):
    assert panel(personas.resident_a, signed_request).strip() == ""
    request = workflow.issue(request_id=signed_request.pk, actor=personas.keeper, seal_id=seal.pk)
    from certificates.issuance import certificate_revoke

    certificate_revoke(
        certificate=IssuedCertificate.objects.get(entry__request=request), actor=personas.director, reason="承诺不实"
    )
    request.refresh_from_db()
    html = panel(personas.director, request)
    assert "已撤销" in html and "承诺不实" in html and reverse("issuance:revoke", args=[request.pk]) not in html


def test_the_keepers_queue_is_paged_and_counts_every_waiting_matter(personas, login, item, seal, settings):
    from certificates.views.issuance import KEEPER_PAGE_SIZE
    from tests.factories import make_request

    waiting = KEEPER_PAGE_SIZE + 3
    for _ in range(waiting):
        request = make_request(
            community=personas.community_x,
            item=item,
            applicant=personas.resident_a,
            status="awaiting_signature",
            verified_by=personas.staff_x,
            field_values={"relative_name": "李四", "relation": "父子", "notary_office": "西安市某公证处"},
        )
        workflow.sign(request_id=request.pk, actor=personas.director)
    client = login(personas.keeper)
    first = client.get(reverse("issuance:keeper_queue")).content.decode()
    assert first.count("加盖印章并出具") == KEEPER_PAGE_SIZE
    assert f"待用印（{waiting} 件）" in first and "?page=2" in first
    second = client.get(reverse("issuance:keeper_queue"), {"page": 2}).content.decode()
    assert second.count("加盖印章并出具") == 3


def test_the_keepers_queue_filters_by_item_and_signing_date(personas, login, item, seal):
    import datetime as dt

    from catalog.models import IssuableItem
    from certificates.models import CertificateRequest
    from tests.factories import make_request

    other_item = IssuableItem.objects.get(code="610113-ZM06")
    signed = {}
    for code, matter, fields in (
        ("kin", item, {"relative_name": "李四", "relation": "父子", "notary_office": "西安市某公证处"}),
        ("home", other_item, {"address": "雁塔区某路1号", "since": "2024-03-01"}),
    ):
        request = make_request(
            community=personas.community_x,
            item=matter,
            applicant=personas.resident_a,
            status="awaiting_signature",
            verified_by=personas.staff_x,
            field_values=fields,
        )
        signed[code] = workflow.sign(request_id=request.pk, actor=personas.director)
    old_day = dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC)
    CertificateRequest.objects.filter(pk=signed["home"].pk).update(signed_at=old_day)
    client = login(personas.keeper)
    url = reverse("issuance:keeper_queue")

    page = client.get(url, {"item": other_item.code}).content.decode()
    assert f'id="request-{signed["home"].pk}"' in page and f'id="request-{signed["kin"].pk}"' not in page
    assert "待用印（1 件）" in page
    page = client.get(url, {"signed_from": "2026-01-01", "signed_to": "2026-01-31"}).content.decode()
    assert f'id="request-{signed["home"].pk}"' in page and f'id="request-{signed["kin"].pk}"' not in page
    page = client.get(url, {"signed_from": "2026-02-01", "signed_to": "2026-01-01"}).content.decode()
    assert "开始日期不能晚于结束日期" in page and "待用印（2 件）" in page  # a wrong span filters nothing away
    page = client.get(url, {"item": "no-such-item"}).content.decode()
    assert "待用印（2 件）" in page


# --- the revoke form is shown from workflow.can(user, request, "revoke"), for every role ------------------------------

REVOKE_SHOWN = {
    "resident_a": False,  # the applicant
    "resident_b": False,
    "staff_x": False,
    "keeper": False,
    "director": True,
    "staff_y": False,
    "county_officer": False,
    "other_county_officer": False,
    "provincial_officer": False,
    "street_officer": False,
}


def pages_seen_by(client, request) -> list[str]:
    """The request pages (resident's and desk's) that this person may open."""
    pages = []
    for name in ("requests:detail", "desk:detail"):
        response = client.get(reverse(name, args=[request.pk]))
        if response.status_code == 200:
            pages.append(response.content.decode())
    return pages


@pytest.mark.parametrize("persona", sorted(REVOKE_SHOWN))
def test_the_revoke_form_follows_the_workflow_predicate_for_every_role(personas, login, issued, persona):
    user = personas.by_name(persona)
    assert workflow.can(user, issued, "revoke") is REVOKE_SHOWN[persona]
    revoke = reverse("issuance:revoke", args=[issued.pk])
    for page in pages_seen_by(login(user), issued):
        assert (revoke in page) is REVOKE_SHOWN[persona], persona


def test_a_director_sees_no_revoke_form_on_a_certificate_of_their_own(personas, login, item, seal):
    """A membership says 'director of this community'; the workflow says nobody decides on their own request."""
    from tests.factories import make_request

    colleague = UserFactory(username="director_2")
    member(colleague, Role.DIRECTOR, personas.community_x)
    own = make_request(
        community=personas.community_x,
        item=item,
        applicant=personas.director,
        status="awaiting_signature",
        verified_by=personas.staff_x,
        field_values={"relative_name": "李四", "relation": "父子", "notary_office": "西安市某公证处"},
    )
    workflow.sign(request_id=own.pk, actor=colleague)
    own = workflow.issue(request_id=own.pk, actor=personas.keeper, seal_id=seal.pk)
    revoke = reverse("issuance:revoke", args=[own.pk])
    assert not workflow.can(personas.director, own, "revoke")
    pages = pages_seen_by(login(personas.director), own)
    assert pages and all(revoke not in page for page in pages)
    assert revoke in panel(colleague, own)  # the other director may
    # the revoke page itself asks the workflow (no second copy of the rule in the view): refused, form never shown
    refused = login(personas.director).get(revoke)
    assert refused.status_code == 403 and "确认撤销" not in refused.content.decode()
    assert login(personas.director).post(revoke, {"reason": "承诺不实", "category": "other"}).status_code == 403
    assert not CertificateRevocation.objects.exists()
    assert login(colleague).get(revoke).status_code == 200
