"""Stored script injection: a script-bearing value in every catalog and request text field is printed as text.

Found in testing (issue 8, item 1): an item field's help text and the item's requesting bodies were printed as raw
HTML on the counter-entry page (Django and crispy print `help_text` with |safe). Every page that shows catalog or
request text is rendered here for the people who see it, with a payload in every text field, and must show the
payload escaped (the page really printed it) and never raw. PDFs must print it as literal text.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog.models import Status
from certificates import services, workflow
from certificates.demo import TINY_PDF as PDF
from certificates.services import RequestInput
from seals.models import Seal
from tests.factories import IssuableItemFactory, NonIssuableItemFactory

RAW = re.compile(r"<img src=x onerror=", re.IGNORECASE)


def payload(where: str) -> str:
    return f"<img src=x onerror=alert('{where}')>"


def escaped(where: str) -> str:
    return f"&lt;img src=x onerror=alert(&#x27;{where}&#x27;)&gt;"


@pytest.fixture
def hostile(personas):
    """A published item and a non-issuable item whose every officer-typed text carries a payload."""
    item = IssuableItemFactory(
        region=personas.yanta,
        code="610113-XSS1",
        name="测试证明" + payload("name"),
        status=Status.PUBLISHED,
        effective_from="2024-01-01",
        legal_bases=[
            {"title": "依据" + payload("basis"), "issuer": payload("issuer"), "number": "", "article": "第一条"}
        ],
        purposes=["办理公证" + payload("purpose")],
        requesting_bodies=["公证机构" + payload("bodies")],
        materials=[{"name": "身份证" + payload("material"), "requirement": "optional"}],
        procedure=["受理" + payload("procedure")],
        fields=[
            {
                "name": "note",
                "label": "备注" + payload("label"),
                "type": "text",
                "required": False,
                "help": "说明" + payload("help"),
                "example": "例子" + payload("example"),
            }
        ],
        body_template="兹证明{applicant_name}系本社区居民。{note}" + payload("body") + "\n特此证明。",
        notes="备注" + payload("notes"),
    )
    non = NonIssuableItemFactory(
        region=personas.yanta,
        code="610113-XSS2",
        name="测试不予出具" + payload("non_name"),
        status=Status.PUBLISHED,
        effective_from="2024-01-01",
        source_list="清单" + payload("source_list"),
        reason="理由" + payload("reason"),
        alternative_department="部门" + payload("department"),
        alternative_channel="途径" + payload("channel"),
        exception="例外" + payload("exception"),
        legal_basis="依据" + payload("legal_basis"),
    )
    return item, non


def assert_escaped(response, *fields: str) -> None:
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    assert not RAW.search(html), f"raw markup on {response.request['PATH_INFO']}: {RAW.search(html).group(0)}"
    for where in fields:
        assert escaped(where) in html, f"{where} not shown (escaped) on {response.request['PATH_INFO']}"


def test_catalog_text_is_escaped_on_every_page_that_shows_it(hostile, personas, login):
    item, non = hostile
    x = personas.community_x.code
    client = login(None)
    assert_escaped(client.get(reverse("catalog:community_detail", args=[x])), "name", "non_name")
    assert_escaped(client.get(reverse("catalog:community_detail", args=[x]), {"q": "测试"}), "name", "non_name")
    assert_escaped(
        client.get(reverse("catalog:issuable_detail", args=[x, item.code])),
        *("name", "basis", "issuer", "purpose", "bodies", "material", "procedure", "notes"),
    )
    assert_escaped(
        client.get(reverse("catalog:non_issuable_detail", args=[x, non.code])),
        *("non_name", "reason", "department", "channel", "exception"),
    )
    login(personas.resident_a)
    assert_escaped(
        client.get(reverse("requests:apply", args=[x, item.code])), "name", "purpose", "material", "label", "help"
    )
    # The page where testing found it: counter entry, for staff and for the director.
    for person in (personas.staff_x, personas.director):
        login(person)
        assert_escaped(
            client.get(reverse("desk:counter_entry", args=[x, item.code])),
            *("name", "purpose", "bodies", "material", "label", "help", "example"),
        )
        assert_escaped(client.get(reverse("desk:counter_new", args=[x])), "name")
    login(personas.county_officer)
    assert_escaped(client.get(reverse("catalog_officer:dashboard")), "name", "non_name")
    everything = ("name", "basis", "issuer", "purpose", "bodies", "material", "procedure", "label", "help")
    everything += ("example", "body", "notes")
    assert_escaped(client.get(reverse("catalog_officer:item_detail", args=["issuable", item.pk])), *everything)
    assert_escaped(client.get(reverse("catalog_officer:item_edit", args=["issuable", item.pk])), *everything)
    non_fields = ("non_name", "source_list", "reason", "department", "channel", "exception", "legal_basis")
    assert_escaped(client.get(reverse("catalog_officer:item_detail", args=["non-issuable", non.pk])), *non_fields)
    assert_escaped(client.get(reverse("catalog_officer:item_edit", args=["non-issuable", non.pk])), *non_fields)
    assert_escaped(client.get(reverse("catalog_officer:item_history", args=["issuable", item.pk])), "name")


@pytest.fixture
def hostile_request(hostile, personas):
    item, _non = hostile
    data = RequestInput(
        applicant_name="王小明",
        applicant_id_number=personas.resident_a.id_number,
        purpose=item.purposes[0],
        requesting_body="某单位" + payload("requesting_body"),
        requesting_basis="某依据" + payload("requesting_basis"),
        field_values={"note": "说明" + payload("field_value")},
        uploads={item.materials[0]["name"]: [SimpleUploadedFile("x" + payload("file") + ".pdf", PDF)]},
    )
    request = services.request_create(
        community=personas.community_x, item=item, actor=personas.resident_a, applicant=personas.resident_a, data=data
    )
    workflow.verify(request_id=request.pk, actor=personas.staff_x, method="document_check", note=payload("verify"))
    return request


def test_request_text_is_escaped_for_everyone_who_sees_it(hostile_request, personas, login):
    request = hostile_request
    client = login(personas.resident_a)
    assert_escaped(client.get(reverse("requests:detail", args=[request.pk])), "name", "requesting_body", "field_value")
    assert_escaped(client.get(reverse("requests:my_requests")), "name")
    for person in (personas.staff_x, personas.director, personas.county_officer):
        login(person)
        assert_escaped(
            client.get(reverse("desk:detail", args=[request.pk])),
            *("name", "requesting_body", "requesting_basis", "field_value", "verify"),
        )
    login(personas.staff_x)
    assert_escaped(client.get(reverse("desk:queue")), "name")


def pdf_text(data: bytes, tmp_path) -> str:
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext is missing: install the Debian package poppler-utils (make test does)"
    source = tmp_path / "doc.pdf"
    source.write_bytes(data)
    return subprocess.run([tool, "-layout", str(source), "-"], capture_output=True, text=True, check=True).stdout


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def printed(where: str, text: str) -> bool:
    """The payload's tail as literal text (a demo watermark's letters may interleave with its head)."""
    return f"onerror=alert('{where}')>" in text


def test_pdfs_print_script_payloads_as_text(hostile_request, hostile, personas, login, tmp_path):
    """WeasyPrint would drop an <img> it was given as markup; the literal text in the PDF proves it was escaped."""
    item, non = hostile
    request = hostile_request
    workflow.send_for_signature(request_id=request.pk, actor=personas.staff_x)
    workflow.sign(request_id=request.pk, actor=personas.director)
    seal = Seal.objects.create(
        community=personas.community_x, name="证明专用章", keeper=personas.keeper, is_specimen=True
    )
    workflow.issue(request_id=request.pk, actor=personas.keeper, seal_id=seal.pk)
    request.refresh_from_db()
    certificate = request.register_entry.certificate
    text = flat(pdf_text(certificate.pdf.read(), tmp_path))
    for where in ("body", "field_value"):
        assert printed(where, text), (where, text)

    client = login(None)
    board = client.get(reverse("catalog:notice_board_pdf", args=[personas.community_x.code]))
    text = flat(pdf_text(b"".join(board.streaming_content) if board.streaming else board.content, tmp_path))
    assert printed("name", text)
    assert printed("non_name", text)

    notice = services.refusal_notice_create(community=personas.community_x, item=non, actor=personas.resident_a)
    response = client.get(reverse("requests:refusal_notice_pdf", args=[notice.token]))
    text = flat(pdf_text(b"".join(response.streaming_content) if response.streaming else response.content, tmp_path))
    assert printed("non_name", text)
    assert printed("department", text)
