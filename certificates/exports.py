"""Exports of the register (一事一登记登记簿) as CSV and XLSX.

Every cell goes through `spreadsheet_safe` so that a value a resident typed (a name, a purpose) can never run as a
formula when an officer opens the file in Excel or WPS (CSV/formula injection). Identity numbers are masked in
exports as on screen: a file leaves the portal's access checks the moment it is downloaded.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from django.utils import timezone
from django.utils.translation import gettext as _

from certificates.models import RegisterEntry

# Characters that make a spreadsheet treat a cell as a formula (OWASP "CSV injection"), plus tab and carriage
# return, which some programs strip before looking at the first character.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def spreadsheet_safe(value: object) -> str:
    """The cell's text, with a leading apostrophe when it would otherwise start a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def register_header() -> list[str]:
    return [
        _("编号"),
        _("登记日期"),
        _("申请人"),
        _("公民身份号码"),
        _("证明事项"),
        _("用途"),
        _("要求出具单位"),
        _("核实人"),
        _("签字人"),
        _("清单外据实出具"),
        _("作废"),
        _("作废理由"),
    ]


def register_rows(entries: Iterable[RegisterEntry]) -> list[list[str]]:
    """One row per entry, every cell already made safe. Entries should come with verifier, signer and
    cancellation loaded (select_related) so this costs no query per row."""
    yes, no = _("是"), _("否")
    rows = []
    for entry in entries:
        cancellation = getattr(entry, "cancellation", None)
        rows.append(
            [
                spreadsheet_safe(cell)
                for cell in (
                    entry.display_number,
                    timezone.localtime(entry.registered_at).date().isoformat(),
                    entry.applicant_name,
                    entry.masked_id_number,
                    entry.matter_name,
                    entry.purpose,
                    entry.requesting_body,
                    entry.verifier.display_name,
                    entry.signer.display_name,
                    yes if entry.exceptional else no,
                    yes if cancellation else no,
                    cancellation.reason if cancellation else "",
                )
            ]
        )
    return rows


def to_csv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """UTF-8 with a byte-order mark, which Excel needs to read Chinese text in a CSV correctly."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(cell) for cell in header])
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(header: Sequence[str], rows: Iterable[Sequence[str]], *, title: str) -> bytes:
    from openpyxl import Workbook  # imported here: only the export needs it
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]  # Excel's limit for a sheet name
    sheet.append([spreadsheet_safe(cell) for cell in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
