"""Exports of the register (一事一登记登记簿) as CSV and XLSX.

Every cell goes through `portal.exports.spreadsheet_safe` so that a value a resident typed (a name, a purpose) can never run as a
formula when an officer opens the file in Excel or WPS (CSV/formula injection). Identity numbers are masked in
exports as on screen: a file leaves the portal's access checks the moment it is downloaded.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from certificates.models import RegisterEntry
from portal.exports import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, spreadsheet_safe, to_csv, to_xlsx

__all__ = ["CSV_CONTENT_TYPE", "XLSX_CONTENT_TYPE", "register_header", "register_rows", "to_csv", "to_xlsx"]


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
        _("出具规则"),
        _("作废"),
        _("作废理由"),
    ]


def register_rows(entries: Iterable[RegisterEntry]) -> list[list[str]]:
    """One row per entry, every cell already made safe. Entries should come with verifier, signer, cancellation
    and request loaded (select_related) so this costs no query per row."""
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
                    entry.signer.display_name
                    + (
                        _("（代签，代主任%(name)s）") % {"name": entry.deputy_for.display_name}
                        if entry.deputy_for_id
                        else ""
                    ),
                    str(entry.request.issuance_rule.label),  # derived from the request: 清单内 / 清单外 / 过渡期例外
                    yes if cancellation else no,
                    cancellation.reason if cancellation else "",
                )
            ]
        )
    return rows
