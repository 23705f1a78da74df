"""Every page of the portal against every persona: a declared matrix of expected HTTP statuses for GET.

A URL pattern missing from MATRIX fails `test_every_url_is_declared`, so a new page is denied until someone
decides who may open it. Expected statuses say what the policy needs:
200 may see · 302 sent to sign in (anonymous) or on to another page · 403 may not act here (said plainly) ·
404 not theirs to know about (no existence leak) · 405 the URL only takes POST.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from catalog.models import CertificateConcept, IssuableItem, LiabilityPhrase, NameReview
from certificates import complaints, inspections, services, workflow
from certificates.demo import TINY_PDF
from certificates.models import Alert
from certificates.services import RequestInput
from seals import services as seal_services
from seals.models import Seal
from tests.conftest import EXTRA_PERSONA_NAMES
from tests.conftest import PERSONA_NAMES as BASE_PERSONA_NAMES
from tests.factories import IssuableItemFactory

PDF = TINY_PDF
ANON, RA, RB, SX, SY, DIR, KEEP, CO, OCO, PO = BASE_PERSONA_NAMES
PERSONA_NAMES = BASE_PERSONA_NAMES + EXTRA_PERSONA_NAMES


def statuses(default: int, anonymous: int | None = None, **by_persona: int) -> dict[str, int]:
    """Expected status per persona: `default` for everyone not named; anonymous defaults to 302 (sign in)."""
    table = {name: default for name in PERSONA_NAMES}
    table[ANON] = anonymous if anonymous is not None else (302 if default != 200 else 200)
    table.update(by_persona)
    return table


EVERYONE = statuses(200)
POST_ONLY = statuses(405, anonymous=302)
POST_ONLY_ANY = statuses(405, anonymous=405)  # the method is checked before signing in
OFFICERS_ONLY = statuses(403, county_officer=200, other_county_officer=200, provincial_officer=200)
# The oversight area (督导统计): every officer is sent on to their own place; a place is read by the officers of it
# and above it, and is unknown to an officer elsewhere.
OVERSIGHT_START = statuses(
    403, county_officer=302, other_county_officer=302, provincial_officer=302, street_officer=302, city_officer=302
)
OVERSIGHT_AREA = statuses(
    403, county_officer=200, other_county_officer=404, provincial_officer=200, street_officer=200, city_officer=200
)
FINDINGS_READ = statuses(
    404,
    street_officer=200,
    county_officer=200,
    city_officer=200,
    provincial_officer=200,
    staff_x=200,
    director=200,
    keeper=200,
)
# One complaint or alert about community X: read by the officers above it, unknown to everyone else.
OVERSIGHT_READ = statuses(404, county_officer=200, provincial_officer=200, street_officer=200, city_officer=200)
# A 雁塔区 item seen in the officers' interface: its county edits it, the province reads it, others never see it.
OFFICER_ITEM_READ = statuses(404, county_officer=200, provincial_officer=200)
OFFICER_ITEM_WRITE = statuses(404, county_officer=200, provincial_officer=403)
# A 雁塔区 draft: only its county, which may edit it, sees it before it is published.
OFFICER_DRAFT = statuses(404, county_officer=200)
# Resident A's request in community X.
REQUEST_READ = statuses(
    404, resident_a=200, staff_x=200, director=200, keeper=200, county_officer=200, provincial_officer=200
)
DESK_REQUEST = statuses(404, staff_x=200, director=200, keeper=200, county_officer=200, provincial_officer=200)
DESK_ENTRY = statuses(403, staff_x=200, director=200, staff_y=404)
REGISTER = statuses(404, staff_x=200, director=200, keeper=200, county_officer=200, provincial_officer=200)
# Community X's seals and ledger: its workers and those who supervise it; nobody else learns they exist.
SEALS_READ = REGISTER


@dataclass
class World:
    community: str
    draft_item: int
    published_item: int
    history_id: int
    request: int
    attachment: int
    refusal_token: str
    issued_request: int
    code: str
    seal: int
    use_request: int
    concept: int
    phrase: int
    review: int
    finding: int
    criticism: int
    complaint: int
    alert: int
    export_job: int


@pytest.fixture
def world(personas) -> World:
    x = personas.community_x
    draft = IssuableItemFactory(region=personas.yanta, name="矩阵测试草稿证明")
    zm01 = IssuableItem.objects.get(code="610113-ZM01")
    data = RequestInput(
        applicant_name="王小明",
        applicant_id_number=personas.resident_a.id_number,
        purpose="办理亲属关系公证",
        requesting_body="西安市某公证处",
        requesting_basis="公证法第十一条",
        field_values={"relative_name": "李四", "relation": "父子", "notary_office": "西安市某公证处"},
        uploads={
            "当事人居民身份证": [SimpleUploadedFile("id.pdf", PDF)],
            "当事人户口簿": [SimpleUploadedFile("h.pdf", PDF)],
        },
    )
    # The issued one first: a second OPEN request for the same item and purpose would be refused as a duplicate.
    issued = services.request_create(
        community=x, item=zm01, actor=personas.resident_a, applicant=personas.resident_a, data=data
    )
    workflow.verify(request_id=issued.pk, actor=personas.staff_x, method="document_check", note="查验户口簿")
    workflow.send_for_signature(request_id=issued.pk, actor=personas.staff_x)
    workflow.sign(request_id=issued.pk, actor=personas.director)
    seal = Seal.objects.create(community=x, name="证明专用章", keeper=personas.keeper, is_specimen=True)
    workflow.issue(request_id=issued.pk, actor=personas.keeper, seal_id=seal.pk, paper=True, copies=2)
    data.uploads = {
        "当事人居民身份证": [SimpleUploadedFile("id.pdf", PDF)],
        "当事人户口簿": [SimpleUploadedFile("h.pdf", PDF)],
    }
    request = services.request_create(
        community=x, item=zm01, actor=personas.resident_a, applicant=personas.resident_a, data=data
    )
    notice = services.refusal_notice_create(
        community=x,
        item=__import__("catalog.models").models.NonIssuableItem.objects.get(code="N05"),
        actor=personas.resident_a,
    )
    issued.refresh_from_db()
    use_request = seal_services.use_request_create(
        seal=seal, actor=personas.staff_x, document_title="社区活动场地租用协议", reason="街道要求加盖公章"
    )
    return World(
        community=x.code,
        draft_item=draft.pk,
        published_item=zm01.pk,
        history_id=zm01.history.latest().history_id,
        request=request.pk,
        attachment=request.attachments.first().pk,
        refusal_token=str(notice.token),
        issued_request=issued.pk,
        code=issued.register_entry.certificate.code,
        seal=seal.pk,
        use_request=use_request.pk,
        concept=CertificateConcept.objects.get(name="健在").pk,
        phrase=LiabilityPhrase.objects.get(phrase="担保").pk,
        review=NameReview.objects.create(
            item=draft, name=draft.name, request_note="仅限公证", requested_by=personas.county_officer
        ).pk,
        finding=_finding(personas),
        criticism=inspections.criticism_issue(
            community=x, actor=personas.county_officer, facts="清单未张贴", requirement="立即张贴"
        ).pk,
        complaint=complaints.complaint_submit(
            complaints.Submission(
                kind="refused_issuable",
                county=None,
                community=x,
                requesting_body="",
                item_text="亲属关系证明（仅限公证）",
            )
        )[0].pk,
        alert=Alert.objects.create(
            county=personas.yanta,
            community=x,
            rule="seal_off_hours",
            subject_key=x.code,
            subject_label=x.name,
            period="2026-W25",
            period_start=dt.date(2026, 6, 15),
            period_end=dt.date(2026, 6, 21),
            figures={"count": 1, "params": {"start_hour": 8, "end_hour": 18, "minimum": 1}},
        ).pk,
        export_job=_export_job(personas),
    )


def _export_job(personas) -> int:
    """Staff member X's large export of community X's register, rendered (certificates/exportjobs.py)."""
    from certificates import exportjobs

    job = exportjobs.export_request(
        user=personas.staff_x,
        kind="register",
        params={"community": personas.community_x.code, "year": dt.date.today().year, "fmt": "csv"},
        filename="register.csv",
        title="登记簿",
    )
    exportjobs.render_job(job.pk)
    return job.pk


def _finding(personas) -> int:
    import datetime as dt

    from django.utils import timezone

    from certificates.models import ChecklistItem, CheckResult

    today = timezone.localdate()
    results = {key: inspections.ItemResult(CheckResult.MET) for key in ChecklistItem.values}
    results[ChecklistItem.LISTS_PUBLISHED] = inspections.ItemResult(
        CheckResult.NOT_MET, "未张贴", today + dt.timedelta(days=10)
    )
    inspection = inspections.inspection_record(
        community=personas.community_x, actor=personas.street_officer, inspected_on=today, results=results
    )
    return inspection.findings.get().pk


# url name -> (kwargs from the world, expected status per persona)
MATRIX: dict[str, tuple] = {
    "home": (lambda w: {}, EVERYONE),
    "login": (lambda w: {}, statuses(302, anonymous=200)),
    "logout": (lambda w: {}, statuses(405, anonymous=405)),
    # the second sign-in step and enrolment: every persona here has passed it (or needs none) and is sent on
    "second_step": (lambda w: {}, statuses(302, anonymous=302)),
    "second_step_setup": (lambda w: {}, statuses(302, anonymous=302)),
    # sign-in lockouts of the people an officer supervises
    "officer_lockouts": (lambda w: {}, OFFICERS_ONLY),
    "set_language": (lambda w: {}, statuses(302, anonymous=302)),
    # the 关怀版 switch (large text, high contrast) takes a POST from anyone
    "care_mode": (lambda w: {}, POST_ONLY_ANY),
    # residents join by themselves: pages for people not signed in (the signed-in are sent on)
    "sign_up": (lambda w: {}, statuses(302, anonymous=200)),
    "login_code": (lambda w: {}, statuses(302, anonymous=200)),
    "password_reset_sms": (lambda w: {}, statuses(302, anonymous=200)),
    # Django's reset by email: harmless pages for anyone; a wrong link says it is invalid
    "password_reset": (lambda w: {}, EVERYONE),
    "password_reset_done": (lambda w: {}, EVERYONE),
    "password_reset_confirm": (lambda w: {"uidb64": "MQ", "token": "wrong-token"}, EVERYONE),
    "password_reset_complete": (lambda w: {}, EVERYONE),
    # one's own settings and community binding; staff and directors confirm bindings of their community
    "account_settings": (lambda w: {}, statuses(200, anonymous=302)),
    "my_community": (lambda w: {}, statuses(200, anonymous=302)),
    "community_bindings": (lambda w: {}, statuses(403, staff_x=200, staff_y=200, director=200)),
    # county officers appoint and remove the people of their county's communities; directors name deputies
    "officer_people": (lambda w: {}, statuses(403, county_officer=200, other_county_officer=200)),
    "officer_community_people": (lambda w: {"community_code": w.community}, statuses(403, county_officer=200)),
    "deputy": (lambda w: {}, statuses(403, director=200)),
    # a lost authenticator: county officers reset their county's community posts, the provincial officer county
    # officers (portal.twofactor.RESET_BY)
    "second_factor_resets": (lambda w: {}, OFFICERS_ONLY),
    "audit_log": (lambda w: {}, OFFICERS_ONLY),
    "healthz": (lambda w: {}, EVERYONE),
    "readyz": (lambda w: {}, EVERYONE),
    "qr_public_key": (lambda w: {}, EVERYONE),
    # browsers post Content-Security-Policy violation reports here (portal/csp_reports.py)
    "csp_report": (lambda w: {}, POST_ONLY_ANY),
    "verify_form": (lambda w: {}, EVERYONE),
    "verify": (lambda w: {"code": w.code}, EVERYONE),
    "verify_payload": (lambda w: {}, EVERYONE),
    # the county CA's revocation list and certificate: public, for any validator
    "county_ca_crl": (lambda w: {}, EVERYONE),
    "county_ca_certificate": (lambda w: {}, EVERYONE),
    # public disclosure
    "catalog:community_list": (lambda w: {}, EVERYONE),
    "catalog:community_detail": (lambda w: {"code": w.community}, EVERYONE),
    "catalog:issuable_detail": (lambda w: {"code": w.community, "item_code": "610113-ZM01"}, EVERYONE),
    "catalog:non_issuable_detail": (lambda w: {"code": w.community, "item_code": "N05"}, EVERYONE),
    "catalog:notice_board_pdf": (lambda w: {"code": w.community}, EVERYONE),
    # officers' catalog maintenance
    "catalog_officer:dashboard": (lambda w: {}, OFFICERS_ONLY),
    "catalog_officer:item_create": (lambda w: {"kind": "issuable"}, OFFICERS_ONLY),
    "catalog_officer:item_detail": (lambda w: {"kind": "issuable", "pk": w.draft_item}, OFFICER_DRAFT),
    "catalog_officer:item_edit": (lambda w: {"kind": "issuable", "pk": w.draft_item}, OFFICER_DRAFT),
    "catalog_officer:item_publish": (lambda w: {"kind": "issuable", "pk": w.draft_item}, POST_ONLY_ANY),
    "catalog_officer:item_retire": (lambda w: {"kind": "issuable", "pk": w.published_item}, OFFICER_ITEM_WRITE),
    "catalog_officer:item_discard": (lambda w: {"kind": "issuable", "pk": w.draft_item}, POST_ONLY_ANY),
    "catalog_officer:item_history": (lambda w: {"kind": "issuable", "pk": w.published_item}, OFFICER_ITEM_READ),
    "catalog_officer:item_diff": (
        lambda w: {"kind": "issuable", "pk": w.published_item, "history_id": w.history_id},
        OFFICER_ITEM_READ,
    ),
    "catalog_officer:item_restore": (
        lambda w: {"kind": "issuable", "pk": w.published_item, "history_id": w.history_id},
        POST_ONLY_ANY,
    ),
    # the vocabulary (provincial officers edit, county officers read) and the decisions recorded on items
    # 按地区汇总: every officer is sent on to their own place; 雁塔区 is read by its county and the province
    "catalog_officer:places": (
        lambda w: {},
        statuses(403, county_officer=302, other_county_officer=302, provincial_officer=302),
    ),
    "catalog_officer:place": (
        lambda w: {"region_code": "610113000000"},
        statuses(403, county_officer=200, other_county_officer=404, provincial_officer=200),
    ),
    "catalog_officer:concept_list": (lambda w: {}, OFFICERS_ONLY),
    "catalog_officer:concept_create": (lambda w: {}, statuses(403, provincial_officer=200)),
    "catalog_officer:concept_detail": (lambda w: {"pk": w.concept}, OFFICERS_ONLY),
    "catalog_officer:concept_edit": (lambda w: {"pk": w.concept}, statuses(403, provincial_officer=200)),
    "catalog_officer:phrase_list": (lambda w: {}, OFFICERS_ONLY),
    "catalog_officer:phrase_detail": (lambda w: {"pk": w.phrase}, OFFICERS_ONLY),
    "catalog_officer:review_queue": (lambda w: {}, OFFICERS_ONLY),
    "catalog_officer:review_decide": (lambda w: {"pk": w.review}, POST_ONLY_ANY),
    "catalog_officer:review_request": (lambda w: {"kind": "issuable", "pk": w.draft_item}, POST_ONLY_ANY),
    "catalog_officer:item_confirm": (lambda w: {"kind": "issuable", "pk": w.published_item}, POST_ONLY_ANY),
    # residents
    "requests:my_requests": (lambda w: {}, statuses(200, anonymous=302)),
    "requests:apply": (
        lambda w: {"community_code": w.community, "item_code": "610113-ZM01"},
        statuses(403, resident_a=200),
    ),
    "requests:detail": (lambda w: {"pk": w.request}, REQUEST_READ),
    "requests:withdraw": (lambda w: {"pk": w.request}, POST_ONLY),
    # a submitted request has nothing to supplement: those who may act are sent back to the request page
    "requests:supplement": (
        lambda w: {"pk": w.request},
        statuses(
            404, resident_a=302, staff_x=302, director=302, keeper=403, county_officer=403, provincial_officer=403
        ),
    ),
    # the uploaded scans: the applicant and those who verify and decide; others who may see the request may not
    "requests:attachment": (
        lambda w: {"pk": w.request, "attachment_id": w.attachment},
        statuses(
            404, resident_a=200, staff_x=200, director=200, keeper=403, county_officer=403, provincial_officer=403
        ),
    ),
    "requests:refusal_notice_create": (lambda w: {"community_code": w.community, "item_code": "N05"}, EVERYONE),
    "requests:refusal_notice": (lambda w: {"token": w.refusal_token}, EVERYONE),
    "requests:refusal_notice_pdf": (lambda w: {"token": w.refusal_token}, EVERYONE),
    "requests:refusal_guide": (lambda w: {"community_code": w.community, "item_code": "N05"}, EVERYONE),
    "requests:refusal_guide_pdf": (lambda w: {"community_code": w.community, "item_code": "N05"}, EVERYONE),
    # community desk and county oversight
    "desk:queue": (lambda w: {}, statuses(403, staff_x=200, staff_y=200, director=200)),
    "desk:detail": (lambda w: {"pk": w.request}, DESK_REQUEST),
    "desk:sign_from_list": (lambda w: {}, POST_ONLY),
    "desk:counter_new": (lambda w: {"community_code": w.community}, DESK_ENTRY),
    "desk:counter_entry": (lambda w: {"community_code": w.community, "item_code": "610113-ZM01"}, DESK_ENTRY),
    "desk:exceptional_new": (lambda w: {"community_code": w.community}, DESK_ENTRY),
    "desk:register": (lambda w: {"community_code": w.community}, REGISTER),
    "desk:register_export": (lambda w: {"community_code": w.community, "fmt": "csv"}, REGISTER),
    # a large export rendered by a worker: only the person who asked (staff member X) learns of it
    "desk:export_job": (lambda w: {"pk": w.export_job}, statuses(404, staff_x=200)),
    "desk:export_download": (lambda w: {"pk": w.export_job}, statuses(404, staff_x=200)),
    "desk:export_retry": (lambda w: {"pk": w.export_job}, POST_ONLY),
    "desk:county": (lambda w: {}, OFFICERS_ONLY),
    # the live certificate preview of the catalog item form (POST what is typed, nothing saved)
    "desk:catalog_preview": (lambda w: {}, POST_ONLY_ANY),
    "desk:four_eyes": (
        lambda w: {"community_code": w.community},
        statuses(404, county_officer=200, provincial_officer=200),
    ),
    "desk:county_review": (lambda w: {"pk": w.request}, POST_ONLY),
    # the oversight area: 小寨路街道 (community X's street) for every officer above it; 403 for anyone holding no
    # oversight role, 404 for an officer elsewhere (未央区)
    "desk:oversight": (lambda w: {}, OVERSIGHT_START),
    # inspections of community X: recorded by its street and county officers; read by every officer above it and
    # by its own workers, who report on findings
    "desk:inspection_new": (
        lambda w: {"community_code": w.community},
        statuses(
            404,
            street_officer=200,
            county_officer=200,
            city_officer=403,
            provincial_officer=403,
            staff_x=403,
            director=403,
            keeper=403,
        ),
    ),
    "desk:inspections": (lambda w: {"region_code": w.community}, FINDINGS_READ),
    "desk:finding": (lambda w: {"pk": w.finding}, FINDINGS_READ),
    # a criticism (通报批评) is the county's act; the issued PDF is read like the findings
    "desk:criticism_new": (
        lambda w: {"community_code": w.community},
        statuses(
            404,
            county_officer=200,
            street_officer=403,
            city_officer=403,
            provincial_officer=403,
            staff_x=403,
            director=403,
            keeper=403,
        ),
    ),
    "desk:criticism_pdf": (lambda w: {"pk": w.criticism}, FINDINGS_READ),
    # work-access (工作准入): departments apply, 雁塔区 decides (the province reads), the decisions are public
    "desk:work_access": (lambda w: {}, statuses(403, department_officer=200)),
    "desk:work_access_county": (
        lambda w: {"county_code": "610113000000"},
        statuses(404, county_officer=200, provincial_officer=200),
    ),
    "desk:work_access_decide": (lambda w: {"pk": 1}, POST_ONLY),
    "requests:work_access_public": (lambda w: {"county_code": "610113000000"}, EVERYONE),
    # public complaints (监督举报): anyone reports and looks the answer up by code; the officers overseeing the place
    # read the complaints and alerts (anomalies), only the county acts (tested in tests/certificates/test_complaints.py)
    "requests:complaint_new": (lambda w: {}, EVERYONE),
    "requests:complaint_received": (lambda w: {}, EVERYONE),
    "requests:complaint_lookup": (lambda w: {}, EVERYONE),
    "desk:complaints": (lambda w: {"region_code": "610113001000"}, OVERSIGHT_AREA),
    "desk:complaint": (lambda w: {"pk": w.complaint}, OVERSIGHT_READ),
    "desk:alerts": (lambda w: {"region_code": "610113001000"}, OVERSIGHT_AREA),
    "desk:alert": (lambda w: {"pk": w.alert}, OVERSIGHT_READ),
    # 雁塔区's thresholds: set by its county officer, read by the city and the province; a street is below them
    "desk:alert_rules": (
        lambda w: {"county_code": "610113000000"},
        statuses(
            403,
            county_officer=200,
            other_county_officer=404,
            provincial_officer=200,
            city_officer=200,
            street_officer=404,
        ),
    ),
    "desk:oversight_area": (lambda w: {"region_code": "610113001000"}, OVERSIGHT_AREA),
    "desk:oversight_export": (
        lambda w: {"region_code": "610113001000", "figure": "areas", "fmt": "xlsx"},
        OVERSIGHT_AREA,
    ),
    # 雁塔区's settings for the exceptional path and its registry of requesting bodies: its county officer sets
    # them, the province reads them, nobody else learns of them
    "desk:county_exceptions": (
        lambda w: {"county_code": "610113000000"},
        statuses(404, county_officer=200, provincial_officer=200),
    ),
    "desk:requesting_bodies": (
        lambda w: {"county_code": "610113000000"},
        statuses(404, county_officer=200, provincial_officer=200),
    ),
    # 雁塔区's communities' signing keys: its county officer issues and revokes them, the province reads them
    "desk:signing_keys": (
        lambda w: {"county_code": "610113000000"},
        statuses(404, county_officer=200, provincial_officer=200),
    ),
    "desk:post_check": (lambda w: {"pk": w.request}, POST_ONLY),
    "desk:send_again": (lambda w: {"pk": w.request, "delivery_id": 1}, POST_ONLY),
    # issuance
    "issuance:keeper_queue": (lambda w: {}, statuses(403, keeper=200)),
    "issuance:issue": (lambda w: {"pk": w.issued_request}, POST_ONLY),
    "issuance:download": (
        lambda w: {"pk": w.issued_request},
        statuses(
            404, resident_a=200, staff_x=200, director=200, keeper=200, county_officer=403, provincial_officer=403
        ),
    ),
    # the stub of a paper certificate is the community's file: its workers only
    "issuance:stub": (
        lambda w: {"pk": w.issued_request},
        statuses(
            404, staff_x=200, director=200, keeper=200, resident_a=403, county_officer=403, provincial_officer=403
        ),
    ),
    "issuance:receipt": (lambda w: {"pk": w.issued_request}, POST_ONLY),
    # only the community's director revokes; those who may see the request are told so, others never see it
    "issuance:revoke": (
        lambda w: {"pk": w.issued_request},
        statuses(
            404, director=200, resident_a=403, staff_x=403, keeper=403, county_officer=403, provincial_officer=403
        ),
    ),
    # seals and the seal ledger
    "seals:index": (  # officers get the list of their communities; community workers go straight to their own
        lambda w: {},
        statuses(
            302,
            resident_a=403,
            resident_b=403,
            county_officer=200,
            other_county_officer=200,
            provincial_officer=200,
            street_officer=403,  # oversight figures only: seals stay with the county and the province
            city_officer=403,
            department_officer=403,
        ),
    ),
    "seals:seal_list": (lambda w: {"community_code": w.community}, SEALS_READ),
    "seals:seal_new": (  # the director (first responsible for seals) and the supervising officers register seals
        lambda w: {"community_code": w.community},
        statuses(404, staff_x=403, keeper=403, director=200, county_officer=200, provincial_officer=200),
    ),
    "seals:seal_detail": (lambda w: {"community_code": w.community, "pk": w.seal}, SEALS_READ),
    "seals:impression": (lambda w: {"community_code": w.community, "pk": w.seal}, SEALS_READ),
    "seals:impression_upload": (lambda w: {"community_code": w.community, "pk": w.seal}, POST_ONLY),
    "seals:handover": (lambda w: {"community_code": w.community, "pk": w.seal}, POST_ONLY),
    "seals:status": (lambda w: {"community_code": w.community, "pk": w.seal}, POST_ONLY),
    "seals:ledger": (lambda w: {"community_code": w.community}, SEALS_READ),
    "seals:ledger_export": (lambda w: {"community_code": w.community, "fmt": "xlsx"}, SEALS_READ),
    "seals:use_request_new": (  # community workers ask to use the seal; officers only read the ledger
        lambda w: {"community_code": w.community},
        statuses(404, staff_x=200, director=200, keeper=200, county_officer=403, provincial_officer=403),
    ),
    "seals:use_request_decide": (lambda w: {"community_code": w.community, "pk": w.use_request}, POST_ONLY),
    "seals:use_request_apply": (lambda w: {"community_code": w.community, "pk": w.use_request}, POST_ONLY),
    # departments' API keys: county and provincial officers issue, revoke and read the calls
    "api_keys": (lambda w: {}, OFFICERS_ONLY),
    "api_key_revoke": (lambda w: {"pk": 1}, POST_ONLY),
    "api_calls": (lambda w: {}, OFFICERS_ONLY),
    # the API (/api/v1/): a session is never a key. Public reads are open; keyed endpoints say 401 to everyone
    # without a key; the checks take only POST, and say so first.
    "api:schema": (lambda w: {}, EVERYONE),
    "api:docs": (lambda w: {}, EVERYONE),
    "api:community_catalog": (lambda w: {"code": w.community}, EVERYONE),
    "api:requesting_bodies": (lambda w: {"code": "610113000000"}, EVERYONE),
    "api:certificate_verification": (lambda w: {"code": w.code}, EVERYONE),
    "api:audit": (lambda w: {}, statuses(401, anonymous=401)),
    "api:check_certificate": (lambda w: {}, POST_ONLY_ANY),
    "api:check_holder": (lambda w: {}, POST_ONLY_ANY),
}


# Street and city officers read from above what a supervising officer reads (portal.access.oversees: the requests,
# register, seals and ledger of the communities below them) and act nowhere: 403 where the county officer may act.
_READ_FROM_ABOVE = {
    "desk:county": 200,
    "desk:detail": 200,
    "desk:register": 200,
    "desk:register_export": 200,
    "requests:detail": 200,
    "seals:impression": 200,
    "seals:ledger": 200,
    "seals:ledger_export": 200,
    "seals:seal_detail": 200,
    "seals:seal_list": 200,
    "issuance:download": 403,
    "issuance:revoke": 403,
    "issuance:stub": 403,
    "requests:attachment": 403,
    "requests:supplement": 403,
    "seals:seal_new": 403,
    "seals:use_request_new": 403,
}
for _name, _status in _READ_FROM_ABOVE.items():
    _kwargs_of, _expected = MATRIX[_name]
    MATRIX[_name] = (_kwargs_of, {**_expected, "street_officer": _status, "city_officer": _status})


def url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, namespace: list[str]) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if str(pattern.pattern).startswith("admin/"):
                    continue  # the Django admin: superusers only, tested in tests/portal/test_auth.py
                walk(pattern.url_patterns, namespace + ([pattern.namespace] if pattern.namespace else []))
            elif isinstance(pattern, URLPattern):
                names.add(":".join([*namespace, pattern.name or f"<unnamed {pattern.pattern}>"]))

    walk(get_resolver().url_patterns, [])
    return names


def test_every_url_is_declared():
    assert sorted(url_names() - set(MATRIX)) == []
    assert sorted(set(MATRIX) - url_names()) == []


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_url_against_every_persona(name, world, personas, client):
    kwargs_of, expected = MATRIX[name]
    url = reverse(name, kwargs=kwargs_of(world))
    got = {}
    for number, persona in enumerate(PERSONA_NAMES, start=1):
        client.logout()
        user = personas.by_name(persona)
        if user is not None:
            client.force_login(user)
        # each persona from its own address, as in life: public pages limit requests per client address
        got[persona] = client.get(url, REMOTE_ADDR=f"192.0.2.{number}").status_code
    mismatches = {p: f"expected {expected[p]}, got {got[p]}" for p in PERSONA_NAMES if got[p] != expected[p]}
    assert mismatches == {}


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_an_empty_or_foreign_post_never_breaks_a_page(name, world, personas, client):
    """Whoever posts whatever to any URL gets an answer (a message, a redirect, 403/404/405), never a 500."""
    kwargs_of, _expected = MATRIX[name]
    url = reverse(name, kwargs=kwargs_of(world))
    client.raise_request_exception = False
    for persona in PERSONA_NAMES:
        client.logout()
        user = personas.by_name(persona)
        if user is not None:
            client.force_login(user)
        for data in ({}, {"action": "sign", "revision": "x", "reason": "<script>", "note": "x" * 5000}):
            status = client.post(url, data).status_code
            assert status < 500, f"{persona} POST {data} → {status}"
