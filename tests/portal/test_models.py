import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from portal.models import Membership, Region
from portal.regions import Level
from portal.roles import Role
from tests.factories import UserFactory


@pytest.mark.django_db
def test_reference_regions_form_a_tree_with_statistical_codes():
    yanta = Region.objects.get(code="610113000000")
    assert [r.name for r in yanta.ancestors()] == ["西安市", "陕西省"]
    assert yanta.full_name() == "陕西省西安市雁塔区"
    assert yanta.prefix == "610113"


def test_descendants_use_the_code_prefix(personas):
    codes = set(personas.yanta.descendants(Level.COMMUNITY).values_list("code", flat=True))
    assert personas.community_x.code in codes and personas.community_y.code not in codes


@pytest.mark.django_db
def test_a_community_must_have_a_kind_in_the_database():
    street = Region.objects.create(
        level=Level.STREET, code="610113099000", name="测试街道", parent=Region.objects.get(code="610113000000")
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Region.objects.create(level=Level.COMMUNITY, code="610113099001", name="无类型社区", parent=street)


@pytest.mark.django_db
def test_child_code_must_extend_the_parent_code():
    county = Region.objects.get(code="610113000000")
    street = Region(level=Level.STREET, code="610112099000", name="错位街道", parent=county)
    with pytest.raises(ValidationError) as error:
        street.full_clean()
    assert "code" in error.value.message_dict


def test_a_role_binds_only_to_its_level_of_place(personas):
    wrong = Membership(user=UserFactory(), role=Role.COUNTY_OFFICER, region=personas.community_x)
    with pytest.raises(ValidationError):
        wrong.full_clean()
    Membership(user=UserFactory(), role=Role.COUNTY_OFFICER, region=personas.yanta).full_clean()


def test_user_id_number_is_validated_and_masked(personas):
    user = personas.resident_a
    user.id_number = "110105194912310021"
    with pytest.raises(ValidationError) as error:
        user.full_clean()
    assert "id_number" in error.value.message_dict
    user.id_number = "11010519491231002x"
    user.full_clean()
    assert user.id_number == "11010519491231002X"
    assert user.masked_id_number == "110105********002X"
