"""`__any_of` (portal/lookups.py): the same rows as `__in`, with the ids bound as one array on PostgreSQL."""

import pytest
from django.db import connection

from portal.models import Region
from portal.regions import Level

pytestmark = pytest.mark.django_db


def test_any_of_finds_what_in_finds(personas):
    ids = list(Region.objects.filter(level=Level.COMMUNITY).values_list("pk", flat=True))[:3]
    assert ids
    assert set(Region.objects.filter(pk__any_of=ids)) == set(Region.objects.filter(pk__in=ids))
    # Through a foreign key, as the oversight scope uses it.
    assert set(Region.objects.filter(parent__any_of=[personas.community_x.parent_id])) == set(
        Region.objects.filter(parent_id=personas.community_x.parent_id)
    )


def test_any_of_an_empty_list_finds_nothing(personas):
    assert not Region.objects.filter(pk__any_of=[]).exists()


def test_any_of_binds_one_parameter_on_postgresql(personas):
    ids = list(Region.objects.values_list("pk", flat=True))[:50]
    sql, params = Region.objects.filter(pk__any_of=ids).query.sql_with_params()
    if connection.vendor == "postgresql":
        assert "= ANY(%s::bigint[])" in sql and list(params) == [ids]  # one array, not one placeholder per id
    else:
        assert " IN (" in sql and len(params) == len(ids)
