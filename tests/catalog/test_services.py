"""Catalog writes (catalog.services) and who may make them (catalog.permissions), tested without HTTP.

States: draft → published → retired (published with an end date in the past). Each write leaves a version with
who and why; a restore is itself a new version; a published item is never deleted.
"""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from catalog import permissions, services
from catalog.models import IssuableItem, NonIssuableItem, PublishedItemDeletion, Scope, Status
from tests.conftest import PERSONA_NAMES
from tests.factories import IssuableItemFactory, NonIssuableItemFactory


def new_item(region, **values) -> IssuableItem:
    defaults = {
        "code": "610113-ZM90",
        "name": "测试居住情况证明",
        "scope": Scope.COUNTY,
        "region": region,
        "legal_bases": [{"title": "测试依据条例", "issuer": "国务院", "number": "", "article": "第一条"}],
        "purposes": ["办理入学"],
        "materials": [{"name": "居民身份证", "requirement": "required"}],
        "time_limit_workdays": 3,
        "body_template": "兹证明{applicant_name}居住在本社区。\n特此证明。",
    }
    return IssuableItem(**{**defaults, **values})


def reasons(item) -> list[str]:
    return list(item.history.order_by("history_date", "history_id").values_list("history_change_reason", flat=True))


@pytest.fixture
def draft(personas):
    return services.item_save(item=new_item(personas.yanta), actor=personas.county_officer)


@pytest.fixture
def published(personas, draft):
    return services.item_publish(item=draft, actor=personas.county_officer)


# --- create, publish ---


def test_save_creates_a_draft_with_its_first_version(personas, draft):
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    record = draft.history.get()
    assert record.history_type == "+"
    assert record.history_user == personas.county_officer
    assert record.history_change_reason == "新建"


def test_save_validates_the_whole_item(personas):
    item = new_item(personas.yanta, legal_bases=[])
    with pytest.raises(ValidationError) as excinfo:
        services.item_save(item=item, actor=personas.county_officer)
    assert "可出具的证明事项至少要有一项法律法规或政策依据。" in excinfo.value.messages
    assert not IssuableItem.objects.filter(code="610113-ZM90").exists()


def test_publish_records_who_and_why_and_starts_no_earlier_than_today(personas):
    draft = new_item(personas.yanta, effective_from=dt.date(2020, 1, 1))
    services.item_save(item=draft, actor=personas.county_officer)
    item = services.item_publish(item=draft, actor=personas.county_officer)
    item.refresh_from_db()
    assert item.status == Status.PUBLISHED
    assert item.effective_from == timezone.localdate()
    latest = item.history.first()
    assert (latest.history_user, latest.history_change_reason) == (personas.county_officer, "发布")
    assert reasons(item) == ["新建", "发布"]


def test_publishing_twice_is_refused_and_adds_no_version(personas, published):
    with pytest.raises(ValidationError, match="该事项已经发布"):
        services.item_publish(item=published, actor=personas.county_officer)
    assert published.history.count() == 2


def test_publishing_an_invalid_draft_changes_nothing(personas):
    item = IssuableItemFactory(region=personas.yanta, legal_bases=[])  # written around full_clean on purpose
    with pytest.raises(ValidationError):
        services.item_publish(item=item, actor=personas.county_officer)
    item.refresh_from_db()
    assert item.status == Status.DRAFT
    assert item.history.filter(history_change_reason="发布").count() == 0


# --- edit, history, restore ---


def test_editing_a_published_item_keeps_the_earlier_version(personas, published):
    published.name = "测试居住情况证明（新）"
    services.item_save(item=published, actor=personas.county_officer, reason="更名")
    history = list(published.history.order_by("history_date", "history_id"))
    assert [r.name for r in history] == ["测试居住情况证明", "测试居住情况证明", "测试居住情况证明（新）"]
    assert history[-1].history_change_reason == "更名"
    delta = history[-1].diff_against(history[-2])
    assert delta.changed_fields == ["name"]


def test_restore_writes_a_new_version_with_the_earlier_content(personas, published):
    first = published.history.order_by("history_date", "history_id").first()
    published.name = "改过的名称证明"
    published.materials = []
    services.item_save(item=published, actor=personas.county_officer, reason="更名并删去材料")
    count = published.history.count()

    item = services.item_restore(item=published, actor=personas.provincial_officer, history_id=first.history_id)

    item.refresh_from_db()
    assert item.name == "测试居住情况证明"
    assert item.materials == [{"name": "居民身份证", "requirement": "required"}]
    assert item.status == Status.PUBLISHED  # a restore never unpublishes
    assert item.history.count() == count + 1
    latest = item.history.first()
    assert latest.history_change_reason.startswith("恢复到")
    assert latest.history_user == personas.provincial_officer


def test_restoring_the_current_content_is_refused(personas, published):
    current = published.history.first()
    with pytest.raises(ValidationError, match="无需恢复"):
        services.item_restore(item=published, actor=personas.county_officer, history_id=current.history_id)
    assert published.history.count() == 2


def test_restoring_another_items_version_is_refused(personas, published):
    other = IssuableItem.objects.get(code="610113-ZM01")
    with pytest.raises(ValidationError, match="找不到要恢复的版本"):
        services.item_restore(
            item=published, actor=personas.county_officer, history_id=other.history.first().history_id
        )


# --- retire, discard, delete ---


def test_retire_needs_a_reason(personas, published):
    with pytest.raises(ValidationError, match="请写明废止理由"):
        services.item_retire(item=published, actor=personas.county_officer, end_date=timezone.localdate(), reason=" ")
    published.refresh_from_db()
    assert published.effective_to is None


def test_retire_end_date_cannot_precede_the_start(personas, published):
    with pytest.raises(ValidationError, match="截止日期不能早于生效日期"):
        services.item_retire(
            item=published, actor=personas.county_officer, end_date=dt.date(2000, 1, 1), reason="政策调整"
        )


def test_retire_sets_the_end_date_and_records_the_reason(personas):
    item = IssuableItemFactory(region=personas.yanta, published=True)
    end = timezone.localdate() - dt.timedelta(days=1)
    services.item_retire(item=item, actor=personas.county_officer, end_date=end, reason="改由公安机关出具")
    item.refresh_from_db()
    assert item.effective_to == end
    assert item.is_retired
    assert item.history.first().history_change_reason == "废止：改由公安机关出具"
    assert not services.is_retirable(item)
    with pytest.raises(ValidationError, match="已经废止"):
        services.item_retire(item=item, actor=personas.county_officer, end_date=end, reason="再次")


def test_a_draft_is_discarded_not_retired(personas, draft):
    with pytest.raises(ValidationError, match="只有已发布的事项需要废止"):
        services.item_retire(item=draft, actor=personas.county_officer, end_date=timezone.localdate(), reason="x")
    services.item_discard_draft(item=draft, actor=personas.county_officer)
    assert not IssuableItem.objects.filter(code="610113-ZM90").exists()
    deletion = IssuableItem.history.filter(code="610113-ZM90", history_type="-").get()
    assert deletion.history_user == personas.county_officer


def test_a_published_item_can_never_be_deleted(personas, published):
    with pytest.raises(ValidationError, match="已发布的事项不能删除"):
        services.item_discard_draft(item=published, actor=personas.county_officer)
    with pytest.raises(PublishedItemDeletion):
        published.delete()
    with pytest.raises(PublishedItemDeletion):
        IssuableItem.objects.filter(pk=published.pk).delete()
    with pytest.raises(PublishedItemDeletion):
        NonIssuableItem.objects.filter(code="N01").delete()
    assert IssuableItem.objects.filter(pk=published.pk).exists()
    assert NonIssuableItem.objects.filter(code="N01").exists()


def test_a_queryset_of_drafts_can_be_deleted(personas):
    NonIssuableItemFactory(region=personas.yanta)
    assert NonIssuableItem.objects.filter(status=Status.DRAFT).delete()[0] == 1


# --- permissions: the access helper against every persona ---

YANTA_ITEM, WEIYANG_ITEM, NATIONAL_ITEM, PROVINCE_ITEM = "yanta", "weiyang", "national", "province"

# persona → {item: "edit" | "view" | "hidden"}
EXPECTED = {
    "county_officer": {YANTA_ITEM: "edit", WEIYANG_ITEM: "hidden", NATIONAL_ITEM: "view", PROVINCE_ITEM: "view"},
    "other_county_officer": {YANTA_ITEM: "hidden", WEIYANG_ITEM: "edit", NATIONAL_ITEM: "view", PROVINCE_ITEM: "view"},
    "provincial_officer": {YANTA_ITEM: "view", WEIYANG_ITEM: "view", NATIONAL_ITEM: "view", PROVINCE_ITEM: "edit"},
}


@pytest.fixture
def items(personas):
    return {
        YANTA_ITEM: IssuableItem.objects.get(code="610113-ZM01"),
        WEIYANG_ITEM: NonIssuableItemFactory(region=personas.weiyang, published=True),
        NATIONAL_ITEM: NonIssuableItem.objects.get(code="N05"),
        PROVINCE_ITEM: IssuableItemFactory(region=personas.province, scope=Scope.PROVINCE, published=True),
    }


@pytest.mark.parametrize("persona", PERSONA_NAMES)
@pytest.mark.parametrize("which", [YANTA_ITEM, WEIYANG_ITEM, NATIONAL_ITEM, PROVINCE_ITEM])
def test_get_item_for_officer(personas, items, persona, which):
    from django.contrib.auth.models import AnonymousUser

    user = personas.by_name(persona) or AnonymousUser()
    item = items[which]
    expected = EXPECTED.get(persona, {}).get(which, "hidden")
    if expected == "hidden":
        with pytest.raises(Http404):
            permissions.get_item_for_officer(user, type(item), item.pk)
        return
    assert permissions.get_item_for_officer(user, type(item), item.pk) == item
    if expected == "edit":
        assert permissions.get_item_for_officer(user, type(item), item.pk, write=True) == item
        assert permissions.can_edit_item(user, item)
    else:
        with pytest.raises(PermissionDenied):
            permissions.get_item_for_officer(user, type(item), item.pk, write=True)
        assert not permissions.can_edit_item(user, item)
        assert not permissions.can_retire_item(user, item)


def test_button_predicates_follow_the_item_state(personas, draft):
    officer = personas.county_officer
    assert permissions.can_publish_item(officer, draft)
    assert permissions.can_discard_item(officer, draft)
    assert not permissions.can_retire_item(officer, draft)
    item = services.item_publish(item=draft, actor=officer)
    assert not permissions.can_publish_item(officer, item)
    assert not permissions.can_discard_item(officer, item)
    assert permissions.can_retire_item(officer, item)
    assert not permissions.can_publish_item(personas.other_county_officer, draft)


def test_who_may_create_items(personas):
    assert permissions.can_create_items(personas.county_officer)
    assert permissions.can_create_items(personas.provincial_officer)
    for name in ("resident_a", "staff_x", "director", "keeper"):
        assert not permissions.can_create_items(getattr(personas, name))
