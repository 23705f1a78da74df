"""Issuing in a real browser: the seal keeper seals a signed request, the resident downloads the certificate on her
phone, the PDF says what it should, and a stranger checks its verification code on the public page."""

import re
import shutil
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from catalog.models import IssuableItem
from certificates import services, workflow
from certificates.demo import TINY_PDF
from certificates.models import IssuedCertificate, Status
from seals.models import Seal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ITEM = "亲属关系证明（仅限公证）"
COMMUNITY = "育才路社区居民委员会"
CODE_LINE = re.compile(r"核验码：\s*([0-9A-Z]{5}(?:-[0-9A-Z]{1,5})+)")


def poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is missing: install poppler-utils (`make test` does).", pytrace=False)
    return path


def signed_request(personas):
    """resident_a's request built through the services and the workflow: applied, verified, sent, signed."""
    item = IssuableItem.objects.get(code="610113-ZM01")
    data = services.RequestInput(
        applicant_name=personas.resident_a.display_name,
        applicant_id_number=personas.resident_a.id_number,
        purpose="办理亲属关系公证",
        requesting_body="西安市某公证处",
        requesting_basis="《中华人民共和国公证法》第十一条",
        field_values={"relative_name": "李四", "relation": "父子", "notary_office": "西安市某公证处"},
        uploads={
            "当事人居民身份证": [SimpleUploadedFile("身份证.pdf", TINY_PDF, "application/pdf")],
            "当事人户口簿": [SimpleUploadedFile("户口簿.pdf", TINY_PDF, "application/pdf")],
        },
    )
    request = services.request_create(
        community=personas.community_x, item=item, actor=personas.resident_a, applicant=personas.resident_a, data=data
    )
    workflow.verify(request_id=request.pk, actor=personas.staff_x, method="document_check", note="查阅户籍档案属实。")
    workflow.send_for_signature(request_id=request.pk, actor=personas.staff_x)
    return workflow.sign(request_id=request.pk, actor=personas.director)


def test_keeper_issues_resident_downloads_the_pdf_and_anyone_verifies_it(personas, open_page, sign_in, shoot, tmp_path):
    request = signed_request(personas)
    number = request.register_entry.display_number
    seal = Seal.objects.create(
        community=personas.community_x, name="证明专用章", keeper=personas.keeper, is_specimen=True
    )
    resident_name = personas.resident_a.display_name

    # 1. The keeper seals it.
    keeper = open_page("desktop")
    sign_in(keeper, personas.keeper)
    keeper.goto("/issuance/")
    expect(keeper.get_by_role("heading", level=1)).to_have_text("用印出具")
    expect(keeper.get_by_role("heading", name="待用印（1 件）")).to_be_visible()
    row = keeper.locator(f"#request-{request.pk}")
    expect(row).to_contain_text(ITEM)
    expect(row).to_contain_text(number)
    expect(row).to_contain_text(resident_name)
    expect(row.get_by_label("使用印章")).to_have_value(str(seal.pk))
    expect(row.get_by_label("使用印章").locator("option:checked")).to_have_text("证明专用章（样章）")
    shoot(keeper, "keeper-queue")
    row.get_by_role("button", name="加盖印章并出具").click()
    expect(keeper.get_by_role("heading", name="待用印（0 件）")).to_be_visible()
    expect(keeper.get_by_text("目前没有等待用印的证明。")).to_be_visible()
    recent = keeper.locator("section[aria-labelledby=h-recent] li", has_text=number)
    expect(recent).to_contain_text(ITEM)
    shoot(keeper, "keeper-issued")
    request.refresh_from_db()
    assert request.status == Status.ISSUED
    certificate = IssuedCertificate.objects.get(entry__request=request)

    # 2. The resident downloads the certificate from her request page.
    resident = open_page("phone")
    sign_in(resident, personas.resident_a)
    resident.goto("/requests/")
    resident.get_by_role("link", name=ITEM).click()
    expect(resident).to_have_url(re.compile(rf"/requests/{request.pk}/$"))
    expect(resident.locator("section[aria-labelledby=entry-heading]")).to_contain_text("证明已出具")
    panel = resident.locator("section.certificate-panel")
    expect(panel.get_by_role("heading")).to_have_text("已出具的证明")
    expect(panel.locator(".badge")).to_have_text("样张")  # a specimen seal: never a green 有效
    expect(panel).to_contain_text(number)
    shoot(resident, "resident-request-issued")
    with resident.expect_download() as download_info:
        panel.get_by_role("link", name="下载证明（PDF）").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    pdf = tmp_path / "certificate.pdf"
    download.save_as(pdf)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and data == certificate.read_pdf()  # the stored bytes, not a new rendering

    # 3. What the PDF says: rendered to an image for a person to look at, and read as text by the test.
    image_root = shoot.next_path("certificate-pdf")
    subprocess.run([poppler("pdftoppm"), "-png", "-r", "50", str(pdf), str(image_root)], check=True, timeout=60)
    pages = sorted(image_root.parent.glob(f"{image_root.name}-*.png"))
    assert pages, "pdftoppm made no image of the certificate"
    text = subprocess.run(
        [poppler("pdftotext"), "-raw", str(pdf), "-"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    flat = "".join(text.split())  # CJK lines may wrap anywhere
    for expected in (resident_name, number, COMMUNITY, "李四", "西安市某公证处"):
        assert expected in flat, f"{expected} is not in the certificate:\n{text}"
    match = CODE_LINE.search(text)
    assert match, f"no 核验码 line in the certificate:\n{text}"
    code = match.group(1)
    assert code.replace("-", "") == certificate.code

    # 4. Anyone checks the code on the public verification page.
    visitor = open_page("phone")
    visitor.goto("/verify/")
    expect(visitor.get_by_role("heading", level=1)).to_have_text("证明核验")
    visitor.get_by_label("核验码").fill(code)
    shoot(visitor, "verify-form")
    visitor.get_by_role("button", name="核验", exact=True).click()
    result = visitor.get_by_role("status").first
    # A specimen seal's certificate is announced as a specimen, not as valid (no green 有效 beside 不具有任何效力).
    expect(result).to_contain_text("样张：这是演示环境或样章出具的样张，不具有任何效力")
    expect(result).not_to_contain_text("目前有效")
    facts = visitor.locator("main dl")
    expect(facts).to_contain_text(ITEM)
    expect(facts).to_contain_text(number)
    expect(facts).to_contain_text(COMMUNITY)
    expect(facts).not_to_contain_text(resident_name)  # the holder's name is masked for strangers
    expect(facts).to_contain_text("样张，不具有效力")
    shoot(visitor, "verify-valid")
    # The downloaded file is byte for byte the one issued.
    visitor.get_by_label("PDF 文件").set_input_files(str(pdf))
    visitor.get_by_role("button", name="比对文件").click()
    expect(visitor.get_by_role("status").filter(has_text="一致")).to_contain_text("该文件与出具时的文件完全相同。")
    shoot(visitor, "verify-file-matches")
