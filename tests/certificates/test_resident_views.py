"""The residents' pages through HTTP: applying (with files, errors and commitments), following a request, withdrawing,
answering a supplement request, downloading files, and refusal notices for non-issuable items."""

import subprocess
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog.models import NonIssuableItem
from certificates import workflow
from certificates.demo import TINY_PDF
from certificates.models import Attachment, CertificateRequest, Commitment, RefusalNotice, Status
from tests.factories import make_request
from tests.tools import program

PDF = TINY_PDF
X = "610113001001"  # 育才路, the community of resident_a and staff_x


def pdf(name="身份证.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def apply_url(item_code="610113-ZM01", community_code=X):
    return reverse("requests:apply", args=[community_code, item_code])


def kinship_post(**overrides):
    """A complete application for 610113-ZM01 (materials 0 and 1 required, 2 optional)."""
    data = {
        "applicant_name": "王小明",
        "applicant_phone": "13800000001",
        "purpose": "办理亲属关系公证",
        "requesting_body": "西安市某公证处",
        "requesting_basis": "《公证程序规则》第二十六条",
        "field_relative_name": "李四",
        "field_relation": "父子",
        "field_notary_office": "西安市某公证处",
        "material_0": [pdf("身份证正面.pdf"), pdf("身份证背面.pdf")],
        "material_1": pdf("户口簿.pdf"),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def applied(client, **overrides) -> CertificateRequest:
    response = client.post(apply_url(), kinship_post(**overrides))
    assert response.status_code == 302, response.content.decode()[:2000]
    return CertificateRequest.objects.latest("pk")


# --- the form ------------------------------------------------------------------------------------------------------


def test_the_form_shows_the_item_and_what_the_account_already_knows(personas, login):
    personas.resident_a.real_name = "王小明"
    personas.resident_a.save()
    page = login(personas.resident_a).get(apply_url()).content.decode()
    assert "亲属关系证明（仅限公证）" in page and "5个工作日" in page
    for material in ("当事人居民身份证", "当事人户口簿", "公证机构出具的核实函"):
        assert material in page
    assert 'value="王小明"' in page and "亲属姓名" in page and 'name="field_notary_office"' in page
    assert personas.resident_a.masked_id_number in page and personas.resident_a.id_number not in page
    assert 'name="applicant_id_number"' not in page  # bound to the account, not editable
    assert "要求出具单位应说明依据" in page


def test_a_user_without_an_id_number_types_one(personas, login):
    personas.resident_a.id_number = ""
    personas.resident_a.save()
    page = login(personas.resident_a).get(apply_url()).content.decode()
    assert 'name="applicant_id_number"' in page


def test_applying_needs_a_login_and_a_residence_in_that_community(personas, login):
    response = login(None).get(apply_url())
    assert response.status_code == 302 and reverse("login") in response["Location"]
    for outsider in (personas.resident_b, personas.staff_x):
        response = login(outsider).get(apply_url())
        assert response.status_code == 403
        assert "没有登记为育才路社区居民委员会的居民" in response.content.decode()
    response = login(personas.resident_b).post(apply_url(), kinship_post())
    assert response.status_code == 403 and not CertificateRequest.objects.exists()


def test_an_item_not_in_force_for_the_community_is_404(personas, login):
    client = login(personas.resident_a)
    assert client.get(apply_url(community_code="610112001001")).status_code == 404  # 未央区 has no 雁塔 items
    assert client.get(apply_url(item_code="610113-NOPE")).status_code == 404
    assert client.get(apply_url(item_code="N05")).status_code == 404  # non-issuable
    assert client.get(apply_url(community_code="999999999999")).status_code == 404


# --- applying ------------------------------------------------------------------------------------------------------


def test_an_application_with_files_is_submitted(personas, login):
    client = login(personas.resident_a)
    response = client.post(apply_url(), kinship_post())
    request = CertificateRequest.objects.get()
    assert response["Location"] == reverse("requests:detail", args=[request.pk])
    assert request.status == Status.SUBMITTED and request.applicant == personas.resident_a
    assert request.applicant_id_number == personas.resident_a.id_number
    assert request.requesting_basis == "《公证程序规则》第二十六条"
    assert request.field_values["relative_name"] == "李四"
    names = sorted(request.attachments.values_list("material", "original_name"))
    assert names == [
        ("当事人居民身份证", "身份证正面.pdf"),
        ("当事人居民身份证", "身份证背面.pdf"),
        ("当事人户口簿", "户口簿.pdf"),
    ]
    page = client.get(response["Location"]).content.decode()
    assert "申请已提交" in page and "已提交待核实" in page and "身份证背面.pdf" in page


def test_an_invalid_application_keeps_what_was_typed_and_says_what_is_missing(personas, login):
    client = login(personas.resident_a)
    response = client.post(
        apply_url(),
        kinship_post(requesting_basis="", purpose="", field_relation="", material_1=None),
    )
    page = response.content.decode()
    assert response.status_code == 200 and not CertificateRequest.objects.exists()
    assert "要求出具证明的单位应当说明其依据" in page
    assert "请选择办理用途" in page and "请填写“亲属关系”" in page and "请上传“当事人户口簿”" in page
    assert 'value="西安市某公证处"' in page and 'value="李四"' in page
    # the files chosen are kept for this session (tests/certificates/test_pending_uploads.py): nothing to choose again
    assert "请重新选择文件" not in page and "已保留" in page and "身份证背面.pdf" in page
    assert 'aria-invalid="true"' in page and 'id="id_requesting_basis-error"' in page


def test_long_text_is_never_cut_silently(personas, login):
    """No maxlength (a browser cuts a pasted text without a word): the limit is stated under the box, counted live
    by a static script, and an over-long text is refused by the server with a message, kept in full to be edited."""
    client = login(personas.resident_a)
    page = client.get(apply_url()).content.decode()
    assert "maxlength" not in page
    assert 'data-for="id_requesting_basis" data-limit="300"' in page and "最多 300 字" in page
    assert "portal/js/char-count.js" in page and 'data-for="id_purpose"' not in page  # a list has no count
    long_basis = "依" * 301
    response = client.post(apply_url(), kinship_post(requesting_basis=long_basis))
    page = response.content.decode()
    assert response.status_code == 200 and not CertificateRequest.objects.exists()
    assert "300" in str(response.context["form"].errors["requesting_basis"])
    assert long_basis in page  # nothing was cut


def test_an_html_file_renamed_png_is_refused_naming_the_rule(personas, login):
    client = login(personas.resident_a)
    fake = SimpleUploadedFile("户口簿.png", b"<html><script>alert(1)</script></html>", content_type="image/png")
    response = client.post(apply_url(), kinship_post(material_1=fake))
    page = response.content.decode()
    assert response.status_code == 200 and not CertificateRequest.objects.exists()
    assert "“户口簿.png”不是 PDF、JPEG 或 PNG 文件（按文件内容判断，与文件名无关）" in page
    assert 'value="李四"' in page and "《公证程序规则》第二十六条" in page
    assert not Attachment.objects.exists()


def test_a_material_can_be_replaced_by_a_confirmed_commitment(personas, login):
    client = login(personas.resident_a)
    url = apply_url("610113-ZM03")
    page = client.get(url).content.decode()
    assert "以告知承诺替代" in page and "本人同意社区及有关部门事后核查" in page and "信用中国" in page
    post = {
        "applicant_name": "王小明",
        "purpose": "办理遗赠扶养协议公证",
        "requesting_body": "某公证处",
        "requesting_basis": "遗赠扶养协议公证细则第八条",
        "field_economic_situation": "退休",
        "field_family_members": "配偶",
        "material_0": pdf("扶养人身份证.pdf"),
        "material_1": pdf("扶养人户口簿.pdf"),
        "commit_2": "on",
    }
    response = client.post(url, post)
    assert response.status_code == 200 and "请阅读告知承诺书并勾选确认" in response.content.decode()
    assert not CertificateRequest.objects.exists()
    post.update(material_0=pdf("扶养人身份证.pdf"), material_1=pdf("扶养人户口簿.pdf"), commitment_confirmed="on")
    response = client.post(url, post)
    assert response.status_code == 302
    request = CertificateRequest.objects.get()
    assert Commitment.objects.get(request=request).material == "收入情况材料" and request.post_check_required
    page = client.get(response["Location"]).content.decode()
    assert "以告知承诺替代“收入情况材料”" in page and "告知承诺书第1版" in page


def test_every_error_shows_in_one_answer_and_each_field_once(personas, login):
    """A commitment without its confirmation, a missing basis, no purpose and a name too long: all in one answer,
    each field with one message (the form's own check does not hide the service's, nor stack on it)."""
    client = login(personas.resident_a)
    post = {
        "applicant_name": "王" * 51,
        "purpose": "",
        "requesting_body": "某公证处",
        "requesting_basis": "",
        "field_economic_situation": "退休",
        "field_family_members": "配偶",
        "material_0": pdf("扶养人身份证.pdf"),
        "material_1": pdf("扶养人户口簿.pdf"),
        "commit_2": "on",
    }
    response = client.post(apply_url("610113-ZM03"), post)
    page = response.content.decode()
    assert response.status_code == 200 and not CertificateRequest.objects.exists()
    assert "请阅读告知承诺书并勾选确认" in page
    assert "要求出具证明的单位应当说明其依据" in page
    assert "请选择办理用途" in page and "请从该事项的办理用途中选择" not in page
    assert page.count('id="id_applicant_name-error"') == 1 and "请填写申请人姓名" not in page
    errors = response.context["form"].errors
    assert all(len(messages) == 1 for messages in errors.values()), errors
    assert set(errors) >= {"applicant_name", "purpose", "requesting_basis", "commitment_confirmed"}


def test_without_the_commitment_the_material_is_asked_for(personas, login):
    client = login(personas.resident_a)
    response = client.post(
        apply_url("610113-ZM03"),
        {"applicant_name": "王小明", "material_0": pdf(), "material_1": pdf()},
    )
    assert "请上传“收入情况材料”。也可以选择告知承诺替代。" in response.content.decode()


def test_a_second_application_for_the_same_item_and_purpose_offers_the_open_one(personas, login):
    client = login(personas.resident_a)
    first = applied(client)
    response = client.post(apply_url(), kinship_post())
    page = response.content.decode()
    assert response.status_code == 200 and CertificateRequest.objects.count() == 1
    assert "您已有一份相同的申请正在办理" in page and f"申请编号 {first.pk}" in page
    assert reverse("requests:detail", args=[first.pk]) in page and 'value="李四"' in page  # nothing typed is lost
    # once it is withdrawn, a new one may be made
    workflow.withdraw(request_id=first.pk, actor=personas.resident_a)
    assert applied(client).pk != first.pk


def test_back_after_submitting_names_the_request_just_made(personas, login):
    client = login(personas.resident_a)
    first = applied(client)
    response = client.get(apply_url())  # what the Back button fetches: the page is never cached
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert "您已有该事项的申请正在办理，不需要重复申请" in page
    assert reverse("requests:detail", args=[first.pk]) in page and "已提交待核实" in page


# --- following one's requests --------------------------------------------------------------------------------------


def test_my_requests_lists_only_my_own(personas, login, item):
    mine = make_request(community=personas.community_x, item=item, applicant=personas.resident_a, status="submitted")
    make_request(community=personas.community_x, item=item, applicant=personas.staff_x, status="submitted")
    page = login(personas.resident_a).get(reverse("requests:my_requests")).content.decode()
    assert reverse("requests:detail", args=[mine.pk]) in page and page.count("request-card") == 1
    assert "已提交待核实" in page


def test_my_requests_cards_show_what_tells_them_apart(personas, login, item):
    """Two requests for the same item differ by number, purpose and date; the status is in words."""
    first = make_request(
        community=personas.community_x, item=item, applicant=personas.resident_a, status="submitted", purpose="甲用途"
    )
    second = make_request(
        community=personas.community_x, item=item, applicant=personas.resident_a, status="rejected", purpose="乙用途"
    )
    page = login(personas.resident_a).get(reverse("requests:my_requests")).content.decode()
    cards = page.split('class="card mb-2 request-card')[1:]
    assert len(cards) == 2
    for request, purpose, status in ((first, "甲用途", "已提交待核实"), (second, "乙用途", "不予出具")):
        card = next(c for c in cards if f"申请编号 {request.pk}" in c)
        assert item.name in card and purpose in card and status in card
        assert f"{request.created_at.year}年" in card


def test_my_requests_when_there_are_none_points_to_the_catalog(personas, login):
    page = login(personas.resident_a).get(reverse("requests:my_requests")).content.decode()
    assert "您还没有提交过证明申请" in page
    assert reverse("catalog:community_detail", args=[X]) in page


def test_a_request_is_shown_to_its_applicant_and_the_community_only(personas, login):
    request = applied(login(personas.resident_a))
    attachment = request.attachments.first()
    detail = reverse("requests:detail", args=[request.pk])
    download = reverse("requests:attachment", args=[request.pk, attachment.pk])
    for outsider in (personas.resident_b, personas.staff_y):
        client = login(outsider)
        assert client.get(detail).status_code == 404
        assert client.get(download).status_code == 404
    page = login(personas.resident_a).get(detail).content.decode()
    assert request.masked_id_number in page and request.applicant_id_number not in page
    assert "《公证程序规则》第二十六条" in page and "亲属姓名" in page and "提交申请" in page
    staff_page = login(personas.staff_x).get(detail).content.decode()
    assert request.applicant_id_number in staff_page
    assert "撤回申请" not in staff_page  # only the applicant may withdraw


def test_files_are_served_as_downloads_with_their_name(personas, login):
    client = login(personas.resident_a)
    request = applied(client)
    attachment = request.attachments.get(original_name="身份证正面.pdf")
    response = client.get(reverse("requests:attachment", args=[request.pk, attachment.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert f"filename*=UTF-8''{quote('身份证正面.pdf')}" in response["Content-Disposition"]
    other = make_request(community=personas.community_x, item=request.item, applicant=personas.resident_a)
    # an attachment id of another request is not found through this one
    assert client.get(reverse("requests:attachment", args=[other.pk, attachment.pk])).status_code == 404


def test_the_due_date_says_when_it_is_an_estimate(personas, login, item):
    request = make_request(
        community=personas.community_x,
        item=item,
        applicant=personas.resident_a,
        status="submitted",
        due_date="2031-01-10",
        due_date_provisional=True,
    )
    page = login(personas.resident_a).get(reverse("requests:detail", args=[request.pk])).content.decode()
    assert "2031年1月10日" in page and "节假日安排未公布，期限为预估" in page


def test_a_signed_request_shows_its_register_number(personas, login):
    request = applied(login(personas.resident_a))
    workflow.verify(request_id=request.pk, actor=personas.staff_x, method="document_check", note="查验户口簿")
    workflow.send_for_signature(request_id=request.pk, actor=personas.staff_x)
    workflow.sign(request_id=request.pk, actor=personas.director)
    request.refresh_from_db()
    page = login(personas.resident_a).get(reverse("requests:detail", args=[request.pk])).content.decode()
    assert request.register_entry.display_number in page and "已签字登记" in page
    assert "撤回申请" not in page


def test_a_rejection_shows_its_reason(personas, login):
    request = applied(login(personas.resident_a))
    workflow.reject(request_id=request.pk, actor=personas.staff_x, reason="户籍不在本社区")
    page = login(personas.resident_a).get(reverse("requests:detail", args=[request.pk])).content.decode()
    assert "户籍不在本社区" in page and "不予出具" in page


# --- withdrawing ---------------------------------------------------------------------------------------------------


def test_withdrawing_works_once_and_a_replayed_form_changes_nothing(personas, login):
    client = login(personas.resident_a)
    request = applied(client)
    url = reverse("requests:withdraw", args=[request.pk])
    page = client.get(reverse("requests:detail", args=[request.pk])).content.decode()
    assert url in page and f'name="revision" value="{request.revision}"' in page
    response = client.post(url, {"revision": request.revision}, follow=True)
    assert "申请已撤回" in response.content.decode()
    request.refresh_from_db()
    assert request.status == Status.WITHDRAWN
    events = request.events.count()
    response = client.post(url, {"revision": request.revision - 1}, follow=True)
    assert "页面已过期" in response.content.decode()
    request.refresh_from_db()
    assert request.status == Status.WITHDRAWN and request.events.count() == events
    assert client.get(url).status_code == 405
    assert client.post(url, {"revision": "x"}).status_code == 302


def test_only_the_applicant_withdraws(personas, login):
    request = applied(login(personas.resident_a))
    response = login(personas.staff_x).post(
        reverse("requests:withdraw", args=[request.pk]), {"revision": request.revision}, follow=True
    )
    assert "您没有执行“撤回申请”的权限" in response.content.decode()
    assert login(personas.resident_b).post(reverse("requests:withdraw", args=[request.pk])).status_code == 404
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED


# --- supplements ---------------------------------------------------------------------------------------------------


def test_a_supplement_adds_files_keeps_the_earlier_ones_and_resumes(personas, login):
    client = login(personas.resident_a)
    request = applied(client)
    url = reverse("requests:supplement", args=[request.pk])
    assert client.get(url).status_code == 302  # nothing asked yet
    workflow.request_supplement(request_id=request.pk, actor=personas.staff_x, missing="请补充户口簿首页")
    request.refresh_from_db()
    detail = client.get(reverse("requests:detail", args=[request.pk])).content.decode()
    assert "请补充户口簿首页" in detail and url in detail
    page = client.get(url).content.decode()
    assert "请补充户口簿首页" in page and f'value="{request.revision}"' in page

    # a bad file: nothing is stored, nothing moves, the note is kept
    fake = SimpleUploadedFile("首页.png", b"<html></html>", content_type="image/png")
    response = client.post(url, {"revision": request.revision, "note": "已补充首页", "material_1": fake})
    page = response.content.decode()
    assert response.status_code == 200 and "不是 PDF、JPEG 或 PNG 文件" in page and "已补充首页" in page
    assert "首页.png" in page and "请重新选择" in page
    request.refresh_from_db()
    assert request.status == Status.AWAITING_SUPPLEMENT and request.attachments.count() == 3

    response = client.post(url, {"revision": request.revision, "note": "已补充首页", "material_1": pdf("首页.pdf")})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED and request.attachments.count() == 4
    assert request.attachments.filter(material="当事人户口簿", original_name="首页.pdf").exists()
    event = request.events.last()
    assert event.action == "supplement" and "已补充首页" in event.note and "首页.pdf" in event.note


def test_an_empty_or_stale_supplement_is_refused(personas, login):
    client = login(personas.resident_a)
    request = applied(client)
    workflow.request_supplement(request_id=request.pk, actor=personas.staff_x, missing="请补充户口簿首页")
    request.refresh_from_db()
    url = reverse("requests:supplement", args=[request.pk])
    response = client.post(url, {"revision": request.revision, "note": " "})
    assert "请上传补正材料，或填写补正说明" in response.content.decode()
    response = client.post(url, {"revision": request.revision - 1, "material_3": pdf("其他.pdf")}, follow=True)
    assert "页面已过期" in response.content.decode()
    request.refresh_from_db()
    assert request.status == Status.AWAITING_SUPPLEMENT and request.attachments.count() == 3
    assert login(personas.resident_b).get(url).status_code == 404


# --- refusal notices -----------------------------------------------------------------------------------------------


def refuse_url(item_code="N05", community_code=X):
    return reverse("requests:refusal_notice_create", args=[community_code, item_code])


def test_a_refusal_notice_is_numbered_says_where_to_go_and_creates_no_request(personas, login):
    client = login(personas.resident_a)
    item = NonIssuableItem.objects.get(code="N05")
    assert client.get(refuse_url()).status_code == 200
    response = client.post(refuse_url(), {"requesting_body": "某科技公司"})
    first = RefusalNotice.objects.get()
    assert response["Location"] == reverse("requests:refusal_notice", args=[first.token])
    page = client.get(response["Location"]).content.decode()
    year = first.year
    assert f"〔{year}〕第1号" in page and "不予出具证明告知单" in page and "无犯罪记录证明" in page
    assert item.alternative_department in page and item.alternative_channel in page and "某科技公司" in page
    assert "育才路社区居民委员会不出具此证明" in page and f"清单来源：{item.source_list}" in page
    # a double tap shows the same notice; another requesting body gets the next number
    assert client.post(refuse_url(), {"requesting_body": "某科技公司"})["Location"] == response["Location"]
    client.post(refuse_url(), {"requesting_body": "某银行"})
    assert list(RefusalNotice.objects.order_by("number").values_list("number", flat=True)) == [1, 2]
    assert not CertificateRequest.objects.exists()


def test_only_non_issuable_items_of_the_community_get_a_notice(personas, login):
    client = login(personas.resident_a)
    assert client.post(refuse_url("610113-ZM01")).status_code == 404
    assert client.post(refuse_url(community_code="999999999999")).status_code == 404
    assert not RefusalNotice.objects.exists()


@pytest.mark.filterwarnings("ignore")
def test_the_refusal_notice_pdf_carries_the_number_and_where_to_go(personas, login):
    client = login(personas.resident_a)
    client.post(refuse_url())
    notice = RefusalNotice.objects.get()
    response = client.get(reverse("requests:refusal_notice_pdf", args=[notice.token]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = subprocess.run(
        [program("pdftotext"), "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    compact = "".join(text.split())
    assert "不予出具证明告知单" in compact and f"〔{notice.year}〕第1号" in compact
    assert "无犯罪记录证明" in compact and "公安机关" in compact and "育才路社区居民委员会" in compact
