"""A village speaks of the village (issue 9): 本村 and 村委会主任 where a community says 本社区 and 社区主任."""

import pytest
from django.urls import reverse

from portal.terms import community_terms

pytestmark = pytest.mark.django_db


def test_terms_follow_the_kind_of_committee(personas):
    assert community_terms(personas.village) == {
        "here": "本村",
        "committee": "村民委员会",
        "head": "村委会主任",
        "board": "村务公开栏",
        "people": "村民",
    }
    assert community_terms(personas.community_x)["head"] == "社区主任"


def test_a_villages_public_page_says_this_village(client, personas):
    village = client.get(reverse("catalog:community_detail", args=[personas.village.code])).content.decode()
    assert "搜索本村的证明事项" in village and "本社区" not in village
    community = client.get(reverse("catalog:community_detail", args=[personas.community_x.code])).content.decode()
    assert "搜索本社区的证明事项" in community
