"""portal/text.py: the characters refused in any stored text, named as U+XXXX; everything a name or a certificate
needs (rare CJK, line breaks, full-width punctuation) passes."""

import pytest
from django.core.exceptions import ValidationError

from portal.text import check_printable, ensure_printable


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("王\ue000明", ["U+E000"]),  # private use (an input method's home-made character)
        ("\U000f0001\U00100000", ["U+F0001", "U+100000"]),  # supplementary private use planes
        ("a\u0378b", ["U+0378"]),  # unassigned
        ("\ufdd0\ufffe\U0001ffff", ["U+FDD0", "U+FFFE", "U+1FFFF"]),  # non-characters
        ("铃\x07\x1b\x00\x7f\x85", ["U+0007", "U+001B", "U+0000", "U+007F", "U+0085"]),  # controls
        ("\ud800", ["U+D800"]),  # a lone surrogate
        ("\ue000\ue000", ["U+E000"]),  # each once
    ],
)
def test_unprintable_characters_are_named(text, found):
    assert check_printable(text) == found


@pytest.mark.parametrize(
    "text",
    [
        "王䶮𠮷",  # CJK Extensions A and B
        "王\U00030000",  # Extension G: assigned (whether the font has it is certificates/fonts.py's question)
        "第一行\r\n第二行\n\t缩进",
        "（全角）·《书名》—“引号”",
        "",
    ],
)
def test_what_certificates_need_passes(text):
    assert check_printable(text) == []


def test_the_error_is_keyed_by_field_and_names_the_code_points():
    with pytest.raises(ValidationError) as error:
        ensure_printable({"place": "议事厅\ue001", "participants": "居民代表"})
    assert set(error.value.message_dict) == {"place"}
    assert "U+E001" in error.value.message_dict["place"][0]
