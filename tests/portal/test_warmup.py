"""The gunicorn master's warm-up (portal/warmup.py): every template compiles, and nothing reads the database or the
cache, which a forked worker would otherwise share with the master."""

from unittest import mock

import pytest
from django.core.cache import cache

from portal.warmup import warm


@pytest.mark.django_db
def test_warm_up_compiles_every_template_without_the_database_or_cache(django_assert_num_queries):
    with django_assert_num_queries(0), mock.patch.object(cache, "get", side_effect=AssertionError("cache read")):
        compiled = warm()
    assert compiled > 100  # the portal's own templates (templates/**/*.html)
