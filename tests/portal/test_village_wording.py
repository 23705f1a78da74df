"""A village speaks of the village everywhere (issue 9): every resident and desk page, every PDF and every message
of a villagers' committee says 本村, 村民委员会, 村委会主任 and 村务公开栏 where a residents' committee's say 本社区,
居民委员会, 社区主任 and 公示栏.

The URL matrix's world is built twice in community X: once as a residents' committee, once as a villagers'
committee (renamed 育才村民委员会). Every page of the matrix that X's resident, staff, director, keeper and county
officer may open is read, and every PDF converted to text."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from django.urls import reverse

from portal.regions import CommunityKind
from tests.test_url_matrix import MATRIX, world  # noqa: F401  (the fixture, built after the kind is set)

pytestmark = pytest.mark.django_db

COMMUNITY_WORDS = ("本社区", "居民委员会", "社区主任", "公示栏")
VILLAGE_WORDS = ("本村", "村民委员会", "村委会主任", "村务公开栏")
READERS = ("resident_a", "staff_x", "director", "keeper", "county_officer")
# Pages about no single community: the public list of every committee, sign-in, oversight over many places.
NOT_ONE_COMMUNITY = {
    "catalog:community_list",
    "desk:county",
    "desk:oversight_area",
    "desk:oversight_export",
    "seals:index",
    "officer_people",
    "desk:signing_keys",  # the county's communities, each by its own name
}


def _text(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body.startswith(b"%PDF"):
        pdftotext = shutil.which("pdftotext")
        assert pdftotext, "poppler-utils is needed to read the PDFs"
        return subprocess.run([pdftotext, "-", "-"], input=body, capture_output=True, check=True).stdout.decode()
    if response.get("Content-Type", "").startswith(("text/", "application/json")):
        return body.decode()
    return ""  # spreadsheets: figures, no sentences


def _around(text: str, word: str) -> str:
    at = text.index(word)
    return " ".join(text[max(0, at - 30) : at + 30].split())


@pytest.fixture(
    params=[CommunityKind.VILLAGERS_COMMITTEE, CommunityKind.RESIDENTS_COMMITTEE], ids=["village", "community"]
)
def kind_world(request, personas):
    x = personas.community_x
    if request.param == CommunityKind.VILLAGERS_COMMITTEE:
        x.name, x.community_kind = "育才村民委员会", CommunityKind.VILLAGERS_COMMITTEE
        x.save()
    return request.param, request.getfixturevalue("world")


def test_every_page_and_pdf_speaks_of_its_kind_of_committee(kind_world, personas, client):
    kind, built = kind_world
    wrong, right = (
        (COMMUNITY_WORDS, VILLAGE_WORDS)
        if kind == CommunityKind.VILLAGERS_COMMITTEE
        else (VILLAGE_WORDS, COMMUNITY_WORDS)
    )
    leaks: dict[str, list[str]] = {}
    seen_right: set[str] = set()
    pages = 0
    for name, (kwargs_of, expected) in sorted(MATRIX.items()):
        if name in NOT_ONE_COMMUNITY or name.startswith("api") or name.startswith("catalog_officer:"):
            continue
        url = reverse(name, kwargs=kwargs_of(built))
        for number, persona in enumerate(READERS, start=1):
            if expected[persona] != 200:
                continue
            client.logout()
            client.force_login(getattr(personas, persona))
            response = client.get(url, REMOTE_ADDR=f"192.0.2.{number}")
            assert response.status_code == 200, f"{name} as {persona}"
            text = _text(response)
            pages += 1
            found = [_around(text, word) for word in wrong if word in text]
            if found:
                leaks.setdefault(name, found)
            seen_right.update(word for word in right if word in text)
    assert pages > 40
    assert leaks == {}, "\n".join(f"{name}: {found}" for name, found in leaks.items())
    assert seen_right == set(right)


def test_messages_of_the_rules_speak_of_the_village(personas):
    """Refusals written once in services say 本村 and 村委会主任 for a village (portal.terms.in_words_of)."""
    from portal import appointments
    from portal.errors import Forbidden
    from seals import services as seal_services
    from seals.models import Seal
    from seals.services import SealRuleError

    with pytest.raises(Forbidden) as refused:
        appointments.deputy_name(
            director=personas.staff_x,
            community=personas.village,
            deputy=personas.keeper,
            starts_on=dt.date.today(),
            ends_on=dt.date.today(),
        )
    assert "只有本村主任可以指定代签人" in str(refused.value)
    seal = Seal.objects.create(community=personas.village, name="证明专用章", keeper=personas.keeper, is_specimen=True)
    with pytest.raises(SealRuleError) as refused:
        seal_services.use_request_create(seal=seal, actor=personas.staff_x, document_title="协议", reason="盖章")
    assert "只有本村工作人员可以申请用印" in str(refused.value)
    with pytest.raises(SealRuleError) as refused:
        seal_services.seal_register(
            community=personas.village, actor=personas.staff_x, name="章", kind="certificate", keeper=personas.keeper
        )
    assert "只有村委会主任或区县民政干部可以管理印章" in str(refused.value)


def test_the_issued_sms_sends_a_village_resident_to_the_village(personas):
    from catalog.models import IssuableItem
    from certificates import notifications
    from portal import sms
    from tests.factories import make_request

    item = IssuableItem.objects.get(code="610113-ZM01")
    request = make_request(community=personas.village, item=item, applicant=personas.resident_a, status="issued")
    params = notifications._sms_params(request, "issued")
    text = sms.SmsMessage(phone="13800000001", template="issued", params=params).text
    assert "到测试村民委员会领取" in text and "社区" not in text.replace("社区证明服务平台", "")
