"""The director reads the certificate's exact text before signing, and the keeper reads the text fixed at signing
before sealing, on a phone (390 px) and on a desktop (1280 px)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from catalog.models import IssuableItem
from certificates import services, workflow
from certificates.demo import TINY_PDF
from certificates.models import Status
from seals.models import Seal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WIDTHS = {"390": {"width": 390, "height": 844}, "1280": {"width": 1280, "height": 900}}


def awaiting_signature(personas):
    item = IssuableItem.objects.get(code="610113-ZM01")
    data = services.RequestInput(
        applicant_name=personas.resident_a.display_name,
        applicant_id_number=personas.resident_a.id_number,
        purpose="办理亲属关系公证",
        requesting_body="西安市某公证处",
        requesting_basis="《中华人民共和国公证法》第十一条",
        field_values={"relative_name": "李四<i>", "relation": "父子", "notary_office": "西安市某公证处"},
        uploads={
            "当事人居民身份证": [SimpleUploadedFile("身份证.pdf", TINY_PDF, "application/pdf")],
            "当事人户口簿": [SimpleUploadedFile("户口簿.pdf", TINY_PDF, "application/pdf")],
        },
    )
    request = services.request_create(
        community=personas.community_x, item=item, actor=personas.resident_a, applicant=personas.resident_a, data=data
    )
    workflow.verify(request_id=request.pk, actor=personas.staff_x, method="document_check", note="查阅户籍档案属实。")
    return workflow.send_for_signature(request_id=request.pk, actor=personas.staff_x)


def test_director_and_keeper_read_the_certificate_text_before_acting(
    personas, browser, live_server, sign_in, shoot, open_page
):
    request = awaiting_signature(personas)
    Seal.objects.create(community=personas.community_x, name="证明专用章", keeper=personas.keeper, is_specimen=True)

    def page_at(width):
        context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport=WIDTHS[width])
        return context, context.new_page()

    for width in WIDTHS:
        context, page = page_at(width)
        sign_in(page, personas.director)
        page.goto(f"/desk/requests/{request.pk}/")
        preview = page.locator("#certificate-preview .certificate-preview")
        expect(preview).to_be_visible()
        expect(preview).to_contain_text("样稿")
        expect(preview).to_contain_text("与李四<i>系父子关系")  # typed text shown as text
        expect(preview).not_to_contain_text("核验码")
        shoot(page, f"director-preview-{width}")
        context.close()

    _, page = page_at("1280")
    sign_in(page, personas.director)
    page.goto(f"/desk/requests/{request.pk}/")
    page.get_by_role("button", name="签字批准并登记").click()
    expect(page.locator("#certificate-preview")).to_contain_text("签字时已固定")
    request.refresh_from_db()
    assert request.status == Status.SIGNED

    for width in WIDTHS:
        context, page = page_at(width)
        sign_in(page, personas.keeper)
        page.goto("/issuance/")
        details = page.locator(f"#request-{request.pk} details")
        expect(details).to_contain_text("与李四<i>系父子关系")
        expect(details.locator(".certificate-preview")).to_contain_text(request.register_entry.display_number)
        shoot(page, f"keeper-preview-{width}")
        context.close()
