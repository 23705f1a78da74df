"""Officers edit items without inventing field codes, say why on every edit, and read diffs word by word (issue 14).

Field codes are derived by the server (f1, f2, …) and never change once given, because body templates and residents'
requests refer to them; officers read and type placeholders by their Chinese names ({学校名称}).
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from catalog import rules, services
from catalog.models import IssuableItem
from catalog.worddiff import tokens, word_diff
from tests.catalog.test_officer_views import issuable_post, text, url


@pytest.fixture
def officer(personas, login):
    login(personas.county_officer)
    return personas.county_officer


def zm01_post(personas, item, **overrides):
    """The edit form of 610113-ZM01 as the browser posts it: its fields with their hidden codes."""
    fields = overrides.pop("fields", [dict(f) for f in item.fields])
    data = issuable_post(
        personas.yanta,
        code=item.code,
        name=item.name,
        body_template=rules.body_with_labels(item.body_template, item.fields),
        legal_bases=[{k: v for k, v in b.items() if k != "needs_confirmation"} for b in item.legal_bases],
        materials=item.materials,
        fields=fields,
        purposes="\n".join(item.purposes),
        requesting_bodies="\n".join(item.requesting_bodies),
    )
    data.update(overrides)
    return data


# --- no field codes to invent ---


def test_a_new_item_is_built_from_chinese_labels_only(personas, officer, client):
    data = issuable_post(
        personas.yanta,
        fields=[
            {"label": "学校名称", "type": "text", "required": True, "example": "育才路小学"},
            {"label": "年级", "type": "text", "required": True},
        ],
        body_template="兹证明{申请人姓名}居住在本社区，子女就读于{学校名称}{年级}。\n特此证明。",
    )
    assert client.post(url("item_create", kind="issuable"), data).status_code == 302
    item = IssuableItem.objects.get(code="610113-ZM50")
    assert [(f["name"], f["label"]) for f in item.fields] == [("f1", "学校名称"), ("f2", "年级")]
    assert item.body_template == "兹证明{applicant_name}居住在本社区，子女就读于{f1}{f2}。\n特此证明。"
    assert item.sample_text().startswith("兹证明张三居住在本社区，子女就读于育才路小学年级。")
    # the form shows the names again, never the codes
    page = text(client.get(url("item_edit", item)))
    assert "{申请人姓名}居住在本社区，子女就读于{学校名称}{年级}" in page
    assert "{f1}" not in page and "字段代码" not in page


def test_existing_codes_never_change_and_a_used_code_is_never_given_again(personas, officer, client):
    item = IssuableItem.objects.get(code="610113-ZM01")
    fields = [dict(f) for f in item.fields]
    fields[0]["label"] = "亲属的姓名"  # renamed: its code relative_name stays
    added = {"label": "联系电话", "type": "text", "required": False}
    data = zm01_post(personas, item, fields=[*fields, added])
    data["body_template"] = data["body_template"].replace("{亲属姓名}", "{亲属的姓名}")
    response = client.post(url("item_edit", item), data)
    assert response.status_code == 302, text(response)
    item.refresh_from_db()
    assert [f["name"] for f in item.fields] == ["relative_name", "relation", "notary_office", "f1"]
    assert "与{relative_name}系{relation}关系" in item.body_template

    # f1 removed, then another field added: it gets f2, so old requests' f1 values never change meaning
    data = zm01_post(personas, item, fields=[dict(f) for f in item.fields[:3]])
    assert client.post(url("item_edit", item), data).status_code == 302
    item.refresh_from_db()
    data = zm01_post(personas, item, fields=[*[dict(f) for f in item.fields], {"label": "邮箱", "type": "text"}])
    assert client.post(url("item_edit", item), data).status_code == 302
    item.refresh_from_db()
    assert item.fields[-1]["name"] == "f2"


def test_a_name_in_the_body_without_its_field_is_refused_with_the_name(personas, officer, client):
    data = issuable_post(personas.yanta, fields=[], body_template="兹证明{申请人姓名}就读于{学校名称}。")
    response = client.post(url("item_create", kind="issuable"), data)
    assert response.status_code == 200
    assert "证明正文中的占位符 {学校名称} 没有对应的填写字段。" in text(response)
    assert not IssuableItem.objects.filter(code="610113-ZM50").exists()


def test_two_fields_may_not_share_a_name(personas, officer, client):
    fields = [{"label": "学校名称", "type": "text"}, {"label": "学校名称", "type": "text"}]
    response = client.post(url("item_create", kind="issuable"), issuable_post(personas.yanta, fields=fields))
    assert "字段名称“学校名称”重复了" in text(response)


def test_the_form_offers_a_button_per_system_field_and_a_live_preview(personas, officer, client):
    page = text(client.get(url("item_create", kind="issuable")))
    assert 'data-insert="申请人姓名"' in page and 'data-insert="公民身份号码"' in page
    assert reverse("desk:catalog_preview") in page and "portal/js/body-editor.js" in page


# --- the preview: the certificate as it will print ---


def test_the_preview_prints_the_typed_body_with_the_items_own_examples(personas, officer, client):
    data = issuable_post(
        personas.yanta,
        name="就读<b>证明",
        fields=[{"label": "学校名称", "type": "text", "example": "育才路<script>alert(1)</script>小学"}],
        body_template="兹证明{申请人姓名}的子女就读于{学校名称}。\n特此证明。",
        purposes="办理入学",
    )
    response = client.post(reverse("desk:catalog_preview"), data)
    assert response.status_code == 200
    page = text(response)
    assert "样稿" in page and "就读&lt;b&gt;证明" in page
    assert "兹证明张三的子女就读于育才路&lt;script&gt;alert(1)&lt;/script&gt;小学。" in page
    assert "本证明用于办理入学。" in page and "特此证明。" in page
    assert "<script>" not in page


@pytest.mark.parametrize("persona", ["resident_a", "staff_x", "director"])
def test_only_officers_may_ask_for_a_preview(personas, login, persona):
    client = login(personas.by_name(persona))
    assert client.post(reverse("desk:catalog_preview"), {"body_template": "x"}).status_code == 403


# --- every edit asks for a reason ---


def test_an_edit_without_a_reason_is_refused_by_the_service(personas):
    item = IssuableItem.objects.get(code="610113-ZM01")
    item.notes = "改一下"
    with pytest.raises(ValidationError) as error:
        services.item_save(item=item, actor=personas.county_officer, reason="  ")
    assert error.value.message_dict["change_reason"] == ["请写明修改原因，它会记入版本记录。"]
    assert IssuableItem.objects.get(pk=item.pk).notes != "改一下"


def test_the_edit_form_asks_for_the_reason_and_the_history_shows_it(personas, officer, client):
    item = IssuableItem.objects.get(code="610113-ZM01")
    data = zm01_post(personas, item, notes="新的备注", change_reason="")
    response = client.post(url("item_edit", item), data)
    assert response.status_code == 200 and "请写明修改原因，它会记入版本记录。" in text(response)
    assert "新的备注" in text(response)  # what was typed is kept
    data["change_reason"] = "依据区政府新文件补充备注"
    assert client.post(url("item_edit", item), data).status_code == 302
    history = text(client.get(url("item_history", item)))
    assert "修改原因：" in history and "依据区政府新文件补充备注" in history


# --- diffs by word ---


def test_tokens_split_chinese_by_character_and_keep_ascii_words_and_placeholders():
    assert tokens("兹证明{申请人姓名}于2026年 ok") == ["兹", "证", "明", "{申请人姓名}", "于", "2026", "年", " ", "ok"]


def test_word_diff_marks_only_the_changed_words_and_escapes_them():
    old, new = word_diff("兹证明张三居住在本社区。", "兹证明李四<b>居住在本社区。")
    assert old == "兹证明<del>张三</del>居住在本社区。"
    assert new == "兹证明<ins>李四&lt;b&gt;</ins>居住在本社区。"


def test_the_diff_page_marks_changed_words_not_whole_fields(personas, officer, client):
    item = IssuableItem.objects.get(code="610113-ZM01")
    data = zm01_post(personas, item, change_reason="改正文")
    data["body_template"] = data["body_template"].replace("查阅户籍档案并走访核实", "查阅户籍档案核实")
    assert client.post(url("item_edit", item), data).status_code == 302
    latest = item.history.order_by("-history_date", "-history_id").first()
    page = text(client.get(url("item_diff", item, history_id=latest.history_id)))
    assert "<del>并走访</del>" in page
    assert "与{亲属姓名}系{亲属关系}关系" in page  # placeholders by name, unchanged words unmarked
