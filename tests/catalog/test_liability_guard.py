"""The liability guard (catalog/liability.py): a committee seal never backs legal or economic liability (陕西通知 二(一)),
however the words are spaced, punctuated, widened or written in traditional characters; ordinary certificate language
passes. The phrases are data (LiabilityPhrase, seeded by migration 0006, maintained by provincial officers)."""

import pytest
from django.core.exceptions import ValidationError

from catalog import liability, services
from catalog.models import LiabilityPhrase
from catalog.textnorm import compile_pattern, validate_pattern

pytestmark = pytest.mark.django_db

REFUSED = [
    "本社区愿为其提供担保",
    "担 保",
    "擔保",
    "本社區願意擔保",
    "担保书",
    "出具担保书一份",
    "担保人：本居委会",
    "本居委会作为保证人",
    "保证书",
    "保證書",
    "保证其按期偿还贷款",
    "保 证 其 按时还款",
    "开具保函",
    "承担连带责任",
    "連帶責任",
    "承擔連帶責任",
    "承擔賠償責任",
    "承 担，连 带-责 任",
    "承担法律责任",
    "承担经济责任",
    "由本社区承担一切法律责任",
    "承担相应的赔偿责任",
    "ＡＢＣ承担　全部　责任",  # full-width letters and ideographic spaces
    "若其不能偿还，由社区代为清偿",
    "负责赔偿全部损失",
    "由居委会兜底",
    "社区先行垫付医疗费",
    "社区负全部责任",
    "一切后果由本社区负责",
    "损失由居委会承担",
    "连带保证",
    "为该户作保",
    "由社区代偿欠款",
    "保证履行合同义务",
    "（擔 保）",
]

PASSING = [
    "特此证明。",
    "情况属实。",
    "经入户核实，该户常住本社区。",
    "本证明仅用于办理入学手续，不作他用。",
    "该同志系本社区居民。",
    "经核实，张三自2020年1月1日起居住在本社区。",
    "本证明仅证明上述事实，不承担任何法律或经济责任。",
    "本社区不承担任何法律责任。",
    "兹证明王某已缴纳物业保证金。",
    "该户已按时缴纳保证金2000元。",
    "经本村民委员会核实并公告三十日无异议。",
    "上述事实经本社区查阅户籍档案并走访核实。",
    "本证明自出具之日起六个月内有效。",
    "请贵单位予以办理。",
    "经社区居民议事协商，结果如下：同意。",
    "联系人：社区工作人员李四，电话029-85210001。",
]


@pytest.mark.parametrize("text", REFUSED)
def test_liability_phrasings_are_refused(text):
    assert liability.liability_phrases(text), text
    with pytest.raises(ValidationError) as error:
        liability.ensure_no_liability({"body_template": text})
    assert "body_template" in error.value.message_dict


@pytest.mark.parametrize("text", PASSING)
def test_ordinary_certificate_language_passes(text):
    assert liability.liability_phrases(text) == []
    liability.ensure_no_liability({"body_template": text})


def test_the_message_names_the_words_and_stands_on_each_field():
    with pytest.raises(ValidationError) as error:
        liability.ensure_no_liability({"name": "担保人证明", "body_template": "承擔連帶責任", "notes": "特此证明"})
    messages = error.value.message_dict
    assert set(messages) == {"name", "body_template"}
    assert "担保" in messages["name"][0] and "承担连带责任" in messages["body_template"][0]


def test_a_disclaimer_does_not_hide_an_undertaking_after_it():
    assert liability.liability_phrases("本社区不承担法律责任，但愿意承担连带责任") == ["承担连带责任"]


def test_the_phrases_are_data_an_officer_adds_and_switches_off(personas):
    text = "社区为其背书"
    assert liability.liability_phrases(text) == []
    phrase = services.phrase_save(
        phrase=LiabilityPhrase(phrase="为其背书", note="背书即作保"), actor=personas.provincial_officer
    )
    assert liability.liability_phrases(text) == ["为其背书"]  # the cache was cleared on save
    phrase.active = False
    services.phrase_save(phrase=phrase, actor=personas.provincial_officer, reason="误伤")
    assert liability.liability_phrases(text) == []
    versions = list(phrase.history.order_by("history_date"))
    assert [v.active for v in versions] == [True, False]
    assert versions[-1].history_user == personas.provincial_officer and versions[-1].history_change_reason == "误伤"


def test_switching_off_a_seeded_phrase_keeps_the_notices_own_words(personas):
    for phrase in LiabilityPhrase.objects.filter(phrase__in=["担保", "连带责任", "承担…责任"]):
        phrase.active = False
        services.phrase_save(phrase=phrase, actor=personas.provincial_officer)
    assert liability.liability_phrases("本社区担保并承担连带责任") == ["担保", "承担连带责任"]


def test_the_seeded_phrases_are_there_with_their_first_version():
    assert LiabilityPhrase.objects.filter(active=True).count() >= 25
    phrase = LiabilityPhrase.objects.get(phrase="代为清偿")
    assert phrase.history.get().history_change_reason == "初始词表（数据迁移）"


@pytest.mark.parametrize(
    "pattern, message",
    [
        ("…责任", "前后都要有文字"),
        ("承担……责任", "前后都要有文字"),
        ("a…b…c…d", "最多使用 2 个省略号"),
        ("，。！", "前后都要有文字"),
        ("担" * 41, "短语过长"),
    ],
)
def test_unsafe_or_empty_patterns_are_refused(pattern, message):
    with pytest.raises(ValidationError, match=message):
        validate_pattern(pattern)


def test_regex_syntax_typed_by_an_officer_is_plain_text():
    # "(a+)+$" as a regex backtracks catastrophically; typed by an officer it is text, folded like any text: its
    # brackets and symbols are punctuation and drop out, what is left is escaped literally.
    assert compile_pattern("(a+)+$ 担保").pattern == "a担保"
    assert compile_pattern("承担…责任").pattern == "承担.{0,12}?责任"  # the one wildcard, bounded
    assert compile_pattern("a.*b").pattern == "ab"


def test_an_officer_cannot_save_an_unsafe_phrase(personas):
    with pytest.raises(ValidationError) as error:
        services.phrase_save(phrase=LiabilityPhrase(phrase="…"), actor=personas.provincial_officer)
    assert "phrase" in error.value.message_dict
