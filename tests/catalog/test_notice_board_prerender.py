"""Notice boards rendered ahead when the catalog changes (catalog/noticeboards.py, prerender_on_commit): after a
published item of 雁塔区 changes, the boards of the communities it binds are stored in every language, once the change
has committed; a rolled-back change renders nothing. Tasks run inline here (no broker)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from catalog import noticeboards, publiccache, selectors, services
from catalog import tasks as catalog_tasks
from catalog.models import AppliesTo
from portal import pagecache
from portal.models import Region
from tests.factories import IssuableItemFactory, NonIssuableItemFactory

LANGUAGES = ("zh-hans", "en")


@pytest.fixture(autouse=True)
def as_with_a_broker(settings):
    """The limit a deployment with a worker has (without one nothing is rendered ahead); the task still runs inline."""
    settings.NOTICE_BOARD_PRERENDER_MAX_COMMUNITIES = 1000


def test_without_a_broker_nothing_is_rendered_in_the_officers_publish(
    personas, queued, settings, django_capture_on_commit_callbacks
):
    from portal import settings as defaults

    assert defaults.CELERY_BROKER_URL or defaults.NOTICE_BOARD_PRERENDER_MAX_COMMUNITIES == 0
    settings.NOTICE_BOARD_PRERENDER_MAX_COMMUNITIES = 0
    draft = IssuableItemFactory(region=personas.yanta)
    with django_capture_on_commit_callbacks(execute=True):
        services.item_publish(item=draft, actor=personas.county_officer)
    assert queued == []


@pytest.fixture
def queued(monkeypatch):
    """The community codes handed to the task queue (the task itself still runs)."""
    codes: list[str] = []
    real = catalog_tasks.prerender_notice_board.delay
    monkeypatch.setattr(catalog_tasks.prerender_notice_board, "delay", lambda code: codes.append(code) or real(code))
    return codes


@pytest.fixture
def community_b(personas):
    """大雁塔社区: 雁塔区's second residents' committee (with community X and the village)."""
    return Region.objects.get(code="610113001003")


def stored(community) -> list[bool]:
    day, version = timezone.localdate(), selectors.catalog_version()
    return [
        default_storage.exists(noticeboards.storage_name(community, language=lang, day=day, catalog_version=version))
        for lang in LANGUAGES
    ]


def prerenders(callbacks) -> list:
    """The notice-board callbacks among a transaction's on-commit callbacks (the public pages' cache and the page
    cache add their own)."""
    return [
        c for c in callbacks if c is not publiccache.replace_generation and not isinstance(c, pagecache._Retirement)
    ]


def test_publishing_an_item_stores_the_board_of_each_community_it_binds(
    personas, community_b, queued, django_capture_on_commit_callbacks
):
    draft = IssuableItemFactory(region=personas.yanta, applies_to=AppliesTo.RESIDENTS_COMMITTEE)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.item_publish(item=draft, actor=personas.county_officer)
    assert len(prerenders(callbacks)) == 1
    # 雁塔区's residents' committees; not its village (the item is not theirs), not 未央区's community.
    assert sorted(queued) == sorted([personas.community_x.code, community_b.code])
    assert stored(personas.community_x) == [True, True] and stored(community_b) == [True, True]
    assert stored(personas.village) == [False, False] and stored(personas.community_y) == [False, False]


def test_a_rolled_back_change_queues_nothing(personas, queued, django_capture_on_commit_callbacks):
    draft = IssuableItemFactory(region=personas.yanta)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.item_publish(item=draft, actor=personas.county_officer)
            raise RuntimeError("the officer's request failed after the publish")
    assert callbacks == [] and queued == []
    assert stored(personas.community_x) == [False, False]


def test_many_changes_in_one_transaction_queue_each_community_once(
    personas, community_b, queued, django_capture_on_commit_callbacks
):
    first, second = IssuableItemFactory(region=personas.yanta), NonIssuableItemFactory(region=personas.yanta)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        services.item_publish(item=first, actor=personas.county_officer)
        services.item_publish(item=second, actor=personas.county_officer)
        services.item_retire(
            item=first, actor=personas.county_officer, end_date=timezone.localdate() + dt.timedelta(days=30), reason="x"
        )
    yanta = [personas.community_x.code, personas.village.code, community_b.code]
    assert len(prerenders(callbacks)) == 1 and sorted(queued) == sorted(yanta)


def test_edits_and_retirements_of_published_items_render_drafts_do_not(
    personas, queued, django_capture_on_commit_callbacks
):
    item = IssuableItemFactory(region=personas.weiyang)
    with django_capture_on_commit_callbacks(execute=True):
        services.item_save(item=item, actor=personas.county_officer, reason="草稿修改")
    assert queued == []  # a draft is on no board
    with django_capture_on_commit_callbacks(execute=True):
        services.item_publish(item=item, actor=personas.county_officer)
    item.refresh_from_db()
    item.purposes = ["办理公证", "办理签证"]
    with django_capture_on_commit_callbacks(execute=True):
        services.item_save(item=item, actor=personas.other_county_officer, reason="补充用途")
    with django_capture_on_commit_callbacks(execute=True):
        services.item_retire(
            item=item, actor=personas.other_county_officer, end_date=timezone.localdate(), reason="上级取消"
        )
    assert queued == [personas.community_y.code] * 3
    assert stored(personas.community_y) == [True, True]


def test_a_change_binding_more_communities_than_the_limit_is_left_to_first_requests(
    personas, queued, settings, django_capture_on_commit_callbacks
):
    settings.NOTICE_BOARD_PRERENDER_MAX_COMMUNITIES = 2
    draft = IssuableItemFactory(region=personas.yanta)  # three communities
    with django_capture_on_commit_callbacks(execute=True):
        services.item_publish(item=draft, actor=personas.county_officer)
    assert queued == []


def test_a_seed_may_suppress_pre_rendering(personas, queued, django_capture_on_commit_callbacks):
    draft = IssuableItemFactory(region=personas.yanta)
    with django_capture_on_commit_callbacks(execute=True), noticeboards.prerender_suppressed():
        services.item_publish(item=draft, actor=personas.county_officer)
    assert queued == []


def test_a_board_that_fails_to_render_never_fails_the_publish(
    personas, queued, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(html):
        raise OSError("字体文件缺失")

    monkeypatch.setattr(noticeboards, "render_pdf", broken)
    draft = IssuableItemFactory(region=personas.weiyang)
    with django_capture_on_commit_callbacks(execute=True):
        item = services.item_publish(item=draft, actor=personas.other_county_officer)
    assert item.is_published and queued == [personas.community_y.code]
    assert stored(personas.community_y) == [False, False]  # rendered on its first request instead


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_caller_outside_any_transaction_still_queues_the_boards(personas, queued):
    """In autocommit Django runs an on-commit callback at once: the scope must be recorded before it is registered."""
    draft = IssuableItemFactory(region=personas.weiyang)
    item = services.item_publish(item=draft, actor=personas.other_county_officer)
    queued.clear()
    noticeboards.prerender_on_commit(item)  # no transaction.atomic around it
    assert queued == [personas.community_y.code]
