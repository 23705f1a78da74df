"""Verification that proves the content, in a real browser (issue 10): a certificate is issued, its QR code's signed
payload is checked offline (and the check recorded, the database being reachable) and online, the county revokes the
community's signing key and the signed file still verifies (signed before the revocation), the director revokes the
certificate, the verification page says so with the date and the reason's category, and the resident downloads a copy
marked 已撤销 and sees who checked her certificate."""

import subprocess
from urllib.parse import urlsplit

import pytest
import segno
from playwright.sync_api import expect

from certificates import workflow
from certificates.models import IssuedCertificate
from seals.models import Seal
from tests.browser.test_issuance_journey import ITEM, poppler, signed_request

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_issue_scan_verify_offline_revoke_verify_and_download_the_marked_copy(
    personas, open_page, sign_in, shoot, tmp_path, monkeypatch
):
    request = signed_request(personas)
    seal = Seal.objects.create(
        community=personas.community_x, name="证明专用章", keeper=personas.keeper, is_specimen=True
    )
    scanned = []  # what the QR code on the certificate encodes: what a phone reads when scanning it
    real_make = segno.make
    monkeypatch.setattr(segno, "make", lambda content, **kw: scanned.append(content) or real_make(content, **kw))
    workflow.issue(request_id=request.pk, actor=personas.keeper, seal_id=seal.pk)
    certificate = IssuedCertificate.objects.get(entry__request=request)
    number = certificate.entry.display_number
    (qr_url,) = scanned

    # 1. Offline: the payload's signature, without the portal's records (as a verifier with no network does).
    for device in ("phone", "desktop"):
        verifier = open_page(device)
        verifier.goto("/verify/payload/")
        verifier.get_by_label("二维码内容（扫描得到的网址或签名数据）").fill(qr_url)
        verifier.get_by_role("button", name="核对签名").click()
        expect(verifier.get_by_role("status")).to_contain_text("签名有效")
        expect(verifier.locator("dl.payload-fields")).to_contain_text(number)
        expect(verifier.locator("p.payload-record")).to_contain_text("本次核验已记入该证明的核验记录")
        shoot(verifier, f"payload-valid-{device}")

    # 2. Online: the scanned address opens the page with a masked summary of what was certified.
    visitor = open_page("phone")
    parts = urlsplit(qr_url)
    visitor.goto(f"{parts.path}?{parts.query}")
    expect(visitor.get_by_role("status").first).to_contain_text("样张")  # a specimen seal: not announced as valid
    summary = visitor.locator("section.verify-summary")
    expect(summary).to_contain_text(ITEM)
    expect(summary).to_contain_text("雁塔区小寨路街道育才路社区居民委员会")
    expect(summary).to_contain_text("办理亲属关系公证")
    expect(summary).not_to_contain_text(personas.resident_a.display_name)
    expect(visitor.get_by_text("二维码签名有效，与本证明记录一致。")).to_be_visible()
    shoot(visitor, "verify-summary-phone")

    # 2b. The county revokes the community's signing key, with a reason; the file signed before stays valid.
    county = open_page("desktop")
    sign_in(county, personas.county_officer)
    county.goto("/desk/county/610113000000/signing-keys/")
    expect(county.locator("table.signing-keys")).to_contain_text("使用中")
    county.locator("select[name=key]").select_option(index=1)
    county.get_by_label("吊销原因类别").select_option("key_compromise")
    county.get_by_label("吊销理由").fill("保管电脑被盗，11月30日报案")
    county.get_by_role("button", name="吊销", exact=True).click()
    expect(county.locator("table.signing-keys")).to_contain_text("已吊销")
    expect(county.locator("div.alert-warning")).to_contain_text("育才路社区居民委员会")  # no issuing until a new key
    shoot(county, "key-revoked-desktop")
    signed_file = tmp_path / "signed.pdf"
    signed_file.write_bytes(certificate.read_pdf())
    visitor.goto(f"/verify/{certificate.code}/")
    visitor.locator("#verify-pdf").set_input_files(str(signed_file))
    visitor.get_by_role("button", name="比对文件").click()
    expect(visitor.get_by_text("电子签名有效")).to_contain_text("签名仍然有效")
    shoot(visitor, "verify-after-key-revocation-phone")

    # 3. The director revokes it, choosing the reason's category.
    director = open_page("desktop")
    sign_in(director, personas.director)
    director.goto(f"/desk/requests/{request.pk}/")
    panel = director.locator("section.certificate-panel")
    panel.locator("summary", has_text="撤销证明").click()
    panel.get_by_label("撤销原因类别").select_option("false_commitment")
    panel.get_by_label("撤销理由").fill("内部：事后核查发现承诺不实（王某来电）")
    panel.get_by_role("button", name="确认撤销").click()
    expect(director.locator("section.certificate-panel .badge")).to_have_text("已撤销")
    shoot(director, "revoked-desk")

    # 4. The verification page now says revoked, when and the category, never the written reason.
    visitor.goto(f"/verify/{certificate.code}/")
    alert = visitor.get_by_role("status").first
    expect(alert).to_contain_text("已撤销")
    expect(alert).to_contain_text("撤销日期：")
    expect(alert).to_contain_text("事后核查发现承诺不实")
    expect(visitor.locator("main")).not_to_contain_text("王某来电")
    shoot(visitor, "verify-revoked-phone")

    # 5. The resident downloads a copy marked on every page, and sees who checked her certificate.
    resident = open_page("phone")
    sign_in(resident, personas.resident_a)
    resident.goto(f"/requests/{request.pk}/")
    log = resident.locator("details.verification-log")
    log.locator("summary").click()
    expect(log).to_contain_text("二维码签名数据")
    expect(log).to_contain_text("核验页面")
    shoot(resident, "who-checked-phone")
    with resident.expect_download() as download_info:
        resident.locator("section.certificate-panel").get_by_role("link", name="下载证明（PDF）").click()
    pdf = tmp_path / "revoked.pdf"
    download_info.value.save_as(pdf)
    text = subprocess.run([poppler("pdftotext"), str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = ["".join(page.split()) for page in text.split("\f") if page.strip()]
    assert pages and all("已撤销" in page for page in pages)
    assert pdf.read_bytes() != certificate.read_pdf()  # a marked copy; the stored original keeps its hash
    image_root = shoot.next_path("revoked-copy")
    subprocess.run([poppler("pdftoppm"), "-png", "-r", "50", str(pdf), str(image_root)], check=True, timeout=60)
