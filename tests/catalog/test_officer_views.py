"""The officers' catalog maintenance pages, through HTTP: who may reach what, the draft → publish → edit → restore
→ retire journey, and invalid input that comes back with its message and everything the officer typed."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import IssuableItem, NonIssuableItem, Scope, Status
from catalog.selectors import effective_issuable_items
from tests.conftest import PERSONA_NAMES
from tests.factories import IssuableItemFactory, NonIssuableItemFactory

COMMUNITY_ROLES = ("resident_a", "resident_b", "staff_x", "staff_y", "director", "keeper")


def url(name, item=None, kind=None, **kwargs):
    if item is not None:
        kwargs = {"kind": "issuable" if isinstance(item, IssuableItem) else "non-issuable", "pk": item.pk, **kwargs}
    elif kind is not None:
        kwargs = {"kind": kind, **kwargs}
    return reverse(f"catalog_officer:{name}", kwargs=kwargs)


def text(response) -> str:
    return response.content.decode()


def formset(prefix: str, rows: list[dict], extra: int = 1) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows) + extra),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            if value is True:
                data[f"{prefix}-{index}-{key}"] = "on"
            elif value is not False:
                data[f"{prefix}-{index}-{key}"] = value
    for index in range(len(rows), len(rows) + extra):  # a blank extra row, as the browser posts it
        data[f"{prefix}-{index}-requirement"] = "required"
        data[f"{prefix}-{index}-type"] = "text"
    return data


def issuable_post(region, **overrides) -> dict:
    bases = overrides.pop(
        "legal_bases",
        [
            {
                "title": "中华人民共和国公证法",
                "issuer": "全国人民代表大会常务委员会",
                "number": "",
                "article": "第十一条",
                "effective_date": "2006-03-01",
            }
        ],
    )
    materials = overrides.pop(
        "materials",
        [{"name": "居民身份证", "requirement": "required"}, {"name": "承诺书", "requirement": "commitment"}],
    )
    fields = overrides.pop(
        "fields",
        [{"name": "school_name", "label": "学校名称", "type": "text", "required": True, "example": "育才路小学"}],
    )
    data = {
        "code": "610113-ZM50",
        "name": "就读学校居住证明",
        "region": str(region.pk),
        "effective_from": "2026-01-01",
        "applies_to": "all",
        "time_limit_workdays": "3",
        "validity_months": "6",
        "purposes": "办理入学\n办理转学",
        "requesting_bodies": "学校",
        "procedure": "申请\n核实\n出具",
        "body_template": "兹证明{applicant_name}居住在本社区，用于{school_name}入学。\n特此证明。",
        "notes": "测试备注",
        "change_reason": "依据新文件调整",  # asked on every edit; a new item's form has no such field
        **formset("legal_bases", bases),
        **formset("materials", materials),
        **formset("fields", fields),
    }
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def non_issuable_post(region, **overrides) -> dict:
    return {
        "code": "610113-BZ50",
        "name": "养老保险参保证明",
        "region": str(region.pk),
        "effective_from": "2026-01-01",
        "source_list": "雁塔区不予出具证明事项清单",
        "reason": "由社保经办机构出具",
        "alternative_department": "区社会保险经办中心",
        "alternative_channel": "陕西养老保险App查询打印",
        "exception": "",
        "legal_basis": "",
        "purposes": "办理退休",
        "change_reason": "依据新文件调整",
        **overrides,
    }


@pytest.fixture
def officer(personas, login):
    login(personas.county_officer)
    return personas.county_officer


# --- access ---


@pytest.mark.parametrize("persona", PERSONA_NAMES)
def test_dashboard_and_create_pages_are_for_officers(personas, login, persona):
    client = login(personas.by_name(persona))
    for page in (url("dashboard"), url("item_create", kind="issuable"), url("item_create", kind="non-issuable")):
        response = client.get(page)
        if persona == "anonymous":
            assert response.status_code == 302 and response.url.startswith(reverse("login"))
        elif persona in COMMUNITY_ROLES:
            assert response.status_code == 403
        else:
            assert response.status_code == 200


@pytest.mark.parametrize("persona", PERSONA_NAMES)
def test_item_pages_of_a_county_item(personas, login, persona):
    item = IssuableItem.objects.get(code="610113-ZM01")
    client = login(personas.by_name(persona))
    history_id = item.history.first().history_id
    reads = [url("item_detail", item), url("item_history", item), url("item_diff", item, history_id=history_id)]
    writes = [url("item_edit", item), url("item_retire", item)]
    posts = [url("item_publish", item), url("item_discard", item), url("item_restore", item, history_id=history_id)]
    statuses = [client.get(u).status_code for u in reads + writes] + [client.post(u).status_code for u in posts]
    if persona == "anonymous":
        assert statuses == [302] * 8
    elif persona == "county_officer":
        assert statuses[:5] == [200] * 5
        assert all(code == 302 for code in statuses[5:])  # each refused with a message, see the journey tests
    elif persona == "provincial_officer":
        assert statuses == [200, 200, 200, 403, 403, 403, 403, 403]
    else:  # other county's officer and every community role: no hint the item exists
        assert statuses == [404] * 8
    item.refresh_from_db()
    assert item.status == Status.PUBLISHED and item.effective_to is None


def test_a_county_officer_cannot_change_a_national_item(personas, officer, client):
    item = NonIssuableItem.objects.get(code="N05")
    assert client.get(url("item_detail", item)).status_code == 200
    assert client.get(url("item_edit", item)).status_code == 403
    assert client.post(url("item_edit", item), non_issuable_post(personas.yanta, name="改名")).status_code == 403
    assert client.post(url("item_retire", item), {"end_date": "2030-01-01", "reason": "x"}).status_code == 403
    item.refresh_from_db()
    assert item.name == "无犯罪记录证明" and item.effective_to is None


def test_a_county_officer_cannot_see_another_countys_item(personas, officer, client):
    item = NonIssuableItemFactory(region=personas.weiyang, published=True)
    assert client.get(url("item_detail", item)).status_code == 404
    assert client.get(url("item_edit", item)).status_code == 404
    assert client.get(url("item_history", item)).status_code == 404
    assert client.get(url("item_detail", kind="non-issuable", pk=999999)).status_code == 404


def test_unknown_kind_is_404(officer, client):
    assert client.get(url("item_create", kind="other")).status_code == 404
    assert client.get(url("item_detail", kind="other", pk=1)).status_code == 404


def test_detail_buttons_follow_the_predicates(personas, officer, client):
    national = text(client.get(url("item_detail", NonIssuableItem.objects.get(code="N01"))))
    assert "此事项由上级部门维护，您只能查看。" in national
    assert "/edit/" not in national and "/publish/" not in national and "/retire/" not in national

    draft = IssuableItemFactory(region=personas.yanta)
    page = text(client.get(url("item_detail", draft)))
    assert url("item_edit", draft) in page and url("item_publish", draft) in page and url("item_discard", draft) in page
    assert url("item_retire", draft) not in page

    published = IssuableItem.objects.get(code="610113-ZM02")
    page = text(client.get(url("item_detail", published)))
    assert url("item_retire", published) in page
    assert url("item_publish", published) not in page and url("item_discard", published) not in page


# --- dashboard ---


def test_dashboard_lists_own_items_with_badges_counts_and_the_national_list(personas, officer, client):
    IssuableItemFactory(region=personas.yanta, name="草稿里的证明")
    IssuableItemFactory(region=personas.weiyang, name="未央区的证明", published=True)
    page = text(client.get(url("dashboard")))
    assert "亲属关系证明（仅限公证）" in page and "草稿里的证明" in page
    assert "未央区的证明" not in page
    assert "已发布" in page and "草稿" in page
    # counts: 1 draft, 8 published issuable items of 雁塔区
    assert re.search(r"草稿 <strong>1</strong>", page)
    assert re.search(r"已发布 <strong>8</strong>", page)
    # the read-only national list
    assert "上级清单（只读）" in page and "无犯罪记录证明" in page
    assert "不予出具证明事项清单（20）" in page


def test_dashboard_filters_by_kind_and_status(personas, officer, client):
    IssuableItemFactory(region=personas.yanta, name="草稿里的证明")
    NonIssuableItemFactory(region=personas.yanta, name="本区不予出具的证明", published=True)
    page = text(client.get(url("dashboard"), {"kind": "issuable", "status": "draft"}))
    mine = page.split("上级清单（只读）")[0]
    assert "草稿里的证明" in mine
    assert "亲属关系证明（仅限公证）" not in mine
    assert "本区不予出具的证明" not in mine
    page = text(client.get(url("dashboard"), {"kind": "non-issuable"}))
    mine = page.split("上级清单（只读）")[0]
    assert "本区不予出具的证明" in mine and "草稿里的证明" not in mine


def test_provincial_officer_dashboard_and_region_choices(personas, login):
    client = login(personas.provincial_officer)
    page = text(client.get(url("dashboard")))
    assert "陕西省、西安市" in page
    assert "亲属关系证明（仅限公证）" not in page.split("上级清单（只读）")[0]  # the county's items are not theirs
    form = text(client.get(url("item_create", kind="issuable")))
    assert "陕西省（省级清单）" in form and "西安市（市级清单）" in form and "雁塔区" not in form
    city = personas.province.children.get(name="西安市")
    response = client.post(url("item_create", kind="issuable"), issuable_post(city, code="6101-ZM01"))
    assert response.status_code == 302
    item = IssuableItem.objects.get(code="6101-ZM01")
    assert (item.scope, item.region) == (Scope.CITY, city)


# --- the journey: create → publish → edit → diff → restore → retire ---


def test_create_a_draft_with_its_lists(personas, officer, client):
    response = client.post(url("item_create", kind="issuable"), issuable_post(personas.yanta))
    item = IssuableItem.objects.get(code="610113-ZM50")
    assert response.status_code == 302 and response.url == url("item_detail", item)
    assert item.status == Status.DRAFT
    assert (item.scope, item.region) == (Scope.COUNTY, personas.yanta)
    assert item.legal_bases == [
        {
            "title": "中华人民共和国公证法",
            "issuer": "全国人民代表大会常务委员会",
            "number": "",
            "article": "第十一条",
            "effective_date": "2006-03-01",
            "needs_confirmation": False,
        }
    ]
    assert item.materials == [
        {"name": "居民身份证", "requirement": "required"},
        {"name": "承诺书", "requirement": "commitment"},
    ]
    assert item.fields == [
        {
            "name": "school_name",
            "label": "学校名称",
            "type": "text",
            "required": True,
            "help": "",
            "example": "育才路小学",
        }
    ]
    assert item.purposes == ["办理入学", "办理转学"] and item.procedure == ["申请", "核实", "出具"]
    assert item.history.get().history_user == personas.county_officer
    # a draft is listed as such for the officer and is not in any community's public catalog
    dashboard = text(client.get(url("dashboard"), {"status": "draft"}))
    assert "就读学校居住证明" in dashboard and "草稿" in dashboard
    assert item not in effective_issuable_items(personas.community_x)
    detail = text(client.get(url("item_detail", item)))
    assert "兹证明张三居住在本社区，用于育才路小学入学。" in detail


def test_create_a_non_issuable_item(personas, officer, client):
    response = client.post(url("item_create", kind="non-issuable"), non_issuable_post(personas.yanta))
    assert response.status_code == 302
    item = NonIssuableItem.objects.get(code="610113-BZ50")
    assert item.status == Status.DRAFT and item.purposes == ["办理退休"]


def test_publish_then_edit_then_diff_then_restore(personas, officer, client):
    client.post(url("item_create", kind="issuable"), issuable_post(personas.yanta))
    item = IssuableItem.objects.get(code="610113-ZM50")

    response = client.post(url("item_publish", item), follow=True)
    assert "已发布。社区现在可以按此事项出具证明。" in text(response)
    item.refresh_from_db()
    assert item.status == Status.PUBLISHED
    assert item in effective_issuable_items(personas.community_x)

    edited = issuable_post(
        personas.yanta,
        name="就读学校居住情况证明",
        change_reason="依据教育局通知更名",
        materials=[{"name": "居民身份证", "requirement": "required"}],
    )
    response = client.post(url("item_edit", item), edited)
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.name == "就读学校居住情况证明" and item.code == "610113-ZM50"

    history = text(client.get(url("item_history", item)))
    for expected in ("新建", "发布", "依据教育局通知更名", personas.county_officer.display_name, "第 3 版"):
        assert expected in history
    latest = item.history.first()
    diff = text(client.get(url("item_diff", item, history_id=latest.history_id)))
    assert "事项名称" in diff and "就读学校居住证明" in diff and "就读学校居住情况证明" in diff
    assert "申请材料" in diff and "承诺书（可以告知承诺替代）" in diff  # the removed material, readable
    assert "法律法规或政策依据" not in diff  # unchanged fields are not listed

    first = item.history.order_by("history_date", "history_id").first()
    response = client.post(url("item_restore", item, history_id=first.history_id), follow=True)
    assert "恢复操作已记为一个新版本" in text(response)
    item.refresh_from_db()
    assert item.name == "就读学校居住证明" and len(item.materials) == 2
    assert item.status == Status.PUBLISHED
    assert item.history.count() == 4
    assert item.history.first().history_change_reason.startswith("恢复到")


def test_publishing_an_invalid_or_published_item_shows_a_message_and_changes_nothing(personas, officer, client):
    broken = IssuableItemFactory(region=personas.yanta, legal_bases=[])
    response = client.post(url("item_publish", broken), follow=True)
    page = text(response)
    assert "未能发布，事项保持原状" in page and "至少要有一项法律法规或政策依据" in page
    broken.refresh_from_db()
    assert broken.status == Status.DRAFT

    published = IssuableItem.objects.get(code="610113-ZM03")
    versions = published.history.count()
    page = text(client.post(url("item_publish", published), follow=True))
    assert "该事项已经发布。" in page
    assert published.history.count() == versions


def test_retire_needs_a_reason_and_an_end_date(personas, officer, client):
    item = IssuableItem.objects.get(code="610113-ZM04")
    form = text(client.get(url("item_retire", item)))
    assert "截止日期" in form and "废止理由" in form

    response = client.post(url("item_retire", item), {"end_date": "", "reason": ""})
    page = text(response)
    assert response.status_code == 200
    assert page.count("这个字段是必填项。") == 2  # end date and reason
    item.refresh_from_db()
    assert item.effective_to is None

    response = client.post(url("item_retire", item), {"end_date": "2000-01-01", "reason": "政策调整"})
    assert "截止日期不能早于生效日期。" in text(response)
    assert "政策调整" in text(response)  # typed reason kept

    end = timezone.localdate() + dt.timedelta(days=30)
    response = client.post(url("item_retire", item), {"end_date": end.isoformat(), "reason": "改由派出所出具"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.effective_to == end
    assert item.history.first().history_change_reason == "废止：改由派出所出具"


def test_discard_only_drafts(personas, officer, client):
    draft = IssuableItemFactory(region=personas.yanta, name="要删除的草稿")
    response = client.post(url("item_discard", draft), follow=True)
    assert "草稿“要删除的草稿”已删除。" in text(response)
    assert not IssuableItem.objects.filter(pk=draft.pk).exists()

    published = IssuableItem.objects.get(code="610113-ZM05")
    page = text(client.post(url("item_discard", published), follow=True))
    assert "已发布的事项不能删除，只能设置截止日期予以废止。" in page
    assert IssuableItem.objects.filter(pk=published.pk).exists()


def test_get_is_not_allowed_on_post_only_actions(personas, officer, client):
    item = IssuableItemFactory(region=personas.yanta)
    assert client.get(url("item_publish", item)).status_code == 405
    assert client.get(url("item_discard", item)).status_code == 405
    item.refresh_from_db()
    assert item.status == Status.DRAFT


# --- invalid input comes back with its message and everything typed ---


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"legal_bases": []}, "可出具的证明事项至少要有一项法律法规或政策依据。"),
        ({"involves_liability": "on"}, "涉及承担法律责任或经济连带责任的证明不能列入可出具清单"),
        (
            {"body_template": "兹证明{applicant_name}为其子女借款提供担保。"},
            "内容含有“担保”：社区居（村）民委员会印章不能用于承担法律责任或经济连带责任的文书。",
        ),
        ({"name": "无犯罪记录证明"}, "“无犯罪记录证明”已在全国的不予出具证明事项中（N05）"),
        ({"body_template": "兹证明{applicant_name}的{foo}。"}, "证明正文中的占位符 {foo} 没有对应的填写字段。"),
        ({"fields": [{"name": "Bad-Name", "label": "坏字段", "type": "text"}]}, "字段代码“Bad-Name”只能用小写英文字母"),
        ({"code": "610113-ZM01"}, "该事项编码已被使用"),
    ],
    ids=[
        "no-legal-basis",
        "liability-flag",
        "liability-word",
        "national-name",
        "unknown-placeholder",
        "field-code",
        "dup-code",
    ],
)
def test_invalid_input_is_shown_again_with_what_was_typed(personas, officer, client, overrides, message):
    data = issuable_post(personas.yanta, **overrides)
    response = client.post(url("item_create", kind="issuable"), data)
    assert response.status_code == 200
    page = text(response)
    assert "未能保存，请修改以下问题" in page
    assert message in page
    # what the officer typed is still in the form
    assert 'value="610113-ZM' in page
    assert f'value="{data["name"]}"' in page
    assert "办理入学\n办理转学" in page
    if overrides.get("legal_bases") != []:
        assert 'value="中华人民共和国公证法"' in page
    assert 'value="育才路小学"' in page or 'value="Bad-Name"' in page
    assert data["body_template"] in page.replace("&#x27;", "'")
    assert not IssuableItem.objects.filter(name=data["name"], region=personas.yanta, status=Status.DRAFT).exists()


def test_liability_flag_message_sits_on_the_checkbox(personas, officer, client):
    page = text(
        client.post(url("item_create", kind="issuable"), issuable_post(personas.yanta, involves_liability="on"))
    )
    assert 'id="id_involves_liability"' in page and 'aria-invalid="true"' in page
    assert 'aria-describedby="id_involves_liability_helptext id_involves_liability_error"' in page
    assert "约束" not in page  # not the database constraint's technical message


def test_invalid_edit_of_a_published_item_changes_nothing(personas, officer, client):
    item = IssuableItem.objects.get(code="610113-ZM06")
    versions = item.history.count()
    data = issuable_post(
        personas.yanta, name="居（租）住证明", body_template="兹证明{applicant_name}愿意承担连带责任。"
    )
    response = client.post(url("item_edit", item), data)
    assert response.status_code == 200
    assert "内容含有“承担连带责任”" in text(response)
    assert "愿意承担连带责任" in text(response)
    item.refresh_from_db()
    assert "连带责任" not in item.body_template and item.history.count() == versions


def test_a_county_officer_cannot_create_for_another_county(personas, officer, client):
    response = client.post(url("item_create", kind="issuable"), issuable_post(personas.weiyang))
    assert response.status_code == 200
    assert "选择一个有效的选项" in text(response)
    assert not IssuableItem.objects.filter(code="610113-ZM50").exists()


def test_edit_form_shows_the_items_lists(personas, officer, client):
    item = IssuableItem.objects.get(code="610113-ZM01")
    page = text(client.get(url("item_edit", item)))
    assert 'value="中华人民共和国公证法"' in page
    assert 'value="公证机构出具的核实函"' in page
    assert 'value="relative_name"' in page
    assert 'name="code"' in page and "disabled" in page  # a published item's code stays


def test_browser_line_breaks_are_not_a_change(personas, officer, client):
    """Browsers post textareas with CRLF; saving an untouched body must not record a body change."""
    client.post(url("item_create", kind="issuable"), issuable_post(personas.yanta))
    item = IssuableItem.objects.get(code="610113-ZM50")
    data = issuable_post(personas.yanta, name="就读学校居住情况证明")
    data["body_template"] = data["body_template"].replace("\n", "\r\n")
    data["procedure"] = data["procedure"].replace("\n", "\r\n")
    assert client.post(url("item_edit", item), data).status_code == 302
    item.refresh_from_db()
    assert "\r" not in item.body_template and item.procedure == ["申请", "核实", "出具"]
    latest, previous = item.history.order_by("-history_date", "-history_id")[:2]
    assert latest.diff_against(previous).changed_fields == ["name"]


def test_first_version_page_lists_the_whole_content(officer, client):
    item = IssuableItem.objects.get(code="610113-ZM01")
    page = text(client.get(url("item_diff", item, history_id=item.history.get().history_id)))
    assert "这是第一个版本，以下是它的全部内容" in page
    assert "中华人民共和国公证法（全国人民代表大会常务委员会；第十一条；2006-03-01起施行）" in page
    assert "亲属姓名（文本，必填）" in page
    assert "雁塔区示例清单（数据迁移）" in page
