import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from portal.demo import demo_id_number
from portal.idcard import check_character, mask_id_number, validate_id_number


def test_check_character_matches_the_published_example():
    # GB 11643-1999 appendix example: 11010519491231002X
    assert check_character("11010519491231002") == "X"
    validate_id_number("11010519491231002X")
    validate_id_number("11010519491231002x")  # lower-case x is accepted and normalized elsewhere


@pytest.mark.parametrize(
    "value,code",
    [
        ("1101051949123100", "shape"),
        ("11010519491231002A", "shape"),
        ("110105194912310021", "checksum"),
        ("110105194902300021", "birth_date"),  # 30 February
        (f"11010520{(dt.date.today().year + 1) % 100:02d}0101002X", "birth_date"),
    ],
)
def test_invalid_numbers_are_refused_with_a_reason(value, code):
    with pytest.raises(ValidationError) as error:
        validate_id_number(value)
    assert error.value.code == code


def test_masking_keeps_only_region_and_tail():
    number = demo_id_number("610113001001", dt.date(1990, 1, 1), 7)
    validate_id_number(number)
    masked = mask_id_number(number)
    assert masked[:6] == number[:6] and masked[-4:] == number[-4:]
    assert "19900101" not in masked and masked.count("*") == 8
    assert mask_id_number("") == ""
