"""The register page and its exports through HTTP, and the spreadsheet escaping they rely on."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from certificates import workflow
from certificates.models import RegisterEntry
from portal.exports import spreadsheet_safe
from tests.factories import make_request

DANGEROUS_NAME = '=HYPERLINK("http://evil.example","点我")'


def signed(personas, item, **extra):
    request = make_request(community=personas.community_x, item=item, created_by=personas.staff_x, **extra)
    workflow.submit(request_id=request.pk, actor=personas.staff_x)
    workflow.verify(request_id=request.pk, actor=personas.staff_x, method="document_check", note="查验")
    workflow.send_for_signature(request_id=request.pk, actor=personas.staff_x)
    workflow.sign(request_id=request.pk, actor=personas.director)
    return RegisterEntry.objects.get(request=request)


def register_url(personas, community=None):
    return reverse("desk:register", args=[(community or personas.community_x).code])


def export_url(personas, fmt):
    return reverse("desk:register_export", args=[personas.community_x.code, fmt])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+86 138", "'+86 138"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        (DANGEROUS_NAME, "'" + DANGEROUS_NAME),
        ("王小明", "王小明"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (15, "15"),
    ],
)
def test_spreadsheet_safe_escapes_what_would_start_a_formula(value, expected):
    assert spreadsheet_safe(value) == expected


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("anonymous", 302),
        ("resident_a", 404),
        ("staff_y", 404),
        ("other_county_officer", 404),
        ("staff_x", 200),
        ("director", 200),
        ("keeper", 200),
        ("county_officer", 200),
        ("provincial_officer", 200),
    ],
)
def test_who_may_read_the_register(personas, login, persona, status):
    client = login(personas.by_name(persona))
    assert client.get(register_url(personas)).status_code == status
    assert client.get(export_url(personas, "csv")).status_code == status


def test_an_unknown_community_or_format_is_404(personas, login):
    client = login(personas.staff_x)
    assert client.get(reverse("desk:register", args=["610113001999"])).status_code == 404
    assert client.get(f"/desk/register/{personas.community_x.code}/export.json").status_code == 404


def test_the_register_lists_entries_in_number_order_with_masked_ids(personas, login, item):
    first = signed(personas, item, applicant_name="甲")
    second = signed(personas, item, applicant_name="乙")
    response = login(personas.staff_x).get(register_url(personas))
    assert [e.number for e in response.context["page"].object_list] == [1, 2]
    html = response.content.decode()
    assert html.index(first.display_number) < html.index(second.display_number)
    assert first.masked_id_number in html and first.applicant_id_number not in html
    assert first.verifier.display_name in html and first.signer.display_name in html


def test_the_year_filter_shows_only_that_year(personas, login, item):
    entry = signed(personas, item)
    client = login(personas.staff_x)
    assert client.get(register_url(personas), {"year": entry.year}).context["page"].paginator.count == 1
    response = client.get(register_url(personas), {"year": entry.year - 1})
    assert response.context["year"] == entry.year  # a year without entries is not offered: the current year


def test_csv_export_escapes_formulas_masks_ids_and_has_a_bom(personas, login, item):
    entry = signed(personas, item, applicant_name=DANGEROUS_NAME, purpose="-1+1")
    response = login(personas.county_officer).get(export_url(personas, "csv"))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][0] == "编号" and len(rows) == 2
    row = rows[1]
    assert row[0] == entry.display_number
    assert row[2] == "'" + DANGEROUS_NAME and row[5] == "'-1+1"
    assert row[3] == entry.masked_id_number
    assert entry.applicant_id_number not in body.decode("utf-8-sig")


def test_xlsx_export_escapes_formulas_and_masks_ids(personas, login, item):
    entry = signed(personas, item, applicant_name=DANGEROUS_NAME)
    response = login(personas.staff_x).get(export_url(personas, "xlsx"))
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content)).active
    header, row = [c.value for c in sheet[1]], sheet[2]
    name_cell = row[header.index("申请人")]
    assert name_cell.value == "'" + DANGEROUS_NAME and name_cell.data_type == "s"
    assert row[header.index("公民身份号码")].value == entry.masked_id_number
    values = [c.value for r in sheet.iter_rows() for c in r]
    assert entry.applicant_id_number not in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)
