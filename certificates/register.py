"""The register (一事一登记): one numbered, permanent entry per signed matter.

Numbers run 1, 2, 3… per community per calendar year (Asia/Shanghai) with no gap and no duplicate, in signing
order. A counter row per community-year is locked for the increment; because the increment happens inside the
signing transaction, a signing that fails rolls its number back and the next signing takes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates.freeze import CertificateText
from certificates.models import CertificateRequest, NumberCounter, RegisterEntry
from portal.models import Region

DEFAULT_PREFIX = "证"


def format_number(community: Region, year: int, number: int) -> str:
    """GB/T 9704 style: full year in 六角括号, no leading zeros, e.g. 雁证〔2026〕15号.

    Not translated: the number is a permanent legal record, the same whatever language the signer's screen shows.
    """
    prefix = community.number_prefix or DEFAULT_PREFIX
    return f"{prefix}〔{year}〕{number}号"


def next_number(community: Region, year: int, series: str = NumberCounter.REGISTER) -> int:
    """Take the next number of a series for community-year. Must run inside the caller's transaction."""
    return take_numbers({(community.pk, year): 1}, series)[(community.pk, year)]


def take_numbers(
    wanted: dict[tuple[int, int], int], series: str = NumberCounter.REGISTER
) -> dict[tuple[int, int], int]:
    """Take `n` consecutive numbers for each (community id, year) -> n; returns the first number of each block.

    Must run inside the caller's transaction. The one numbering rule, for one signing and for the bulk load alike:
    make sure the counter rows exist without racing (concurrent first signings of a year all try the insert, one
    wins, the others do nothing), lock them (in a fixed order, so two callers never wait on each other in a
    cycle), and move each on by its block.
    """
    NumberCounter.objects.bulk_create(
        [NumberCounter(community_id=c, year=y, series=series) for c, y in sorted(wanted)], ignore_conflicts=True
    )
    counters = [
        counter
        for counter in NumberCounter.objects.select_for_update()
        .filter(community_id__in={c for c, _y in wanted}, year__in={y for _c, y in wanted}, series=series)
        .order_by("community_id", "year")
        if (counter.community_id, counter.year) in wanted
    ]
    first: dict[tuple[int, int], int] = {}
    by_step: dict[int, list[int]] = {}
    for counter in counters:
        key = (counter.community_id, counter.year)
        first[key] = counter.last_number + 1
        by_step.setdefault(wanted[key], []).append(counter.pk)
    for step, pks in by_step.items():  # one UPDATE per block size (mostly 1), not one per counter
        NumberCounter.objects.filter(pk__in=pks).update(last_number=F("last_number") + step)
    return first


def create_entry(request: CertificateRequest, text: CertificateText, *, deputy_for=None) -> RegisterEntry:
    """The entry also keeps the certificate's text as signed (certificates/freeze.py): issuance prints that text."""
    signed_at = request.signed_at or timezone.now()
    year = timezone.localdate(signed_at).year
    number = next_number(request.community, year)
    return RegisterEntry.objects.create(
        community=request.community,
        year=year,
        number=number,
        display_number=format_number(request.community, year, number),
        request=request,
        registered_at=signed_at,
        applicant_name=request.applicant_name,
        applicant_id_number=request.applicant_id_number,
        matter_name=text.title,
        item_version=text.item_version,
        purpose=text.purpose,
        requesting_body=text.requesting_body,
        certificate_addressee=text.addressee,
        certificate_body=text.body,
        validity_months=text.validity_months,
        has_frozen_text=True,
        verifier=request.verified_by,
        signer=request.signed_by,
        deputy_for=deputy_for,
        exceptional=request.exceptional,
    )


@dataclass(frozen=True)
class RegisterProblem:
    community_code: str
    community_name: str
    year: int
    detail: str


def find_problems(community=None) -> list[RegisterProblem]:
    """Every community-year whose numbers are not exactly 1..n once each (of one community when given)."""
    problems = []
    entries = RegisterEntry.objects.filter(community=community) if community is not None else RegisterEntry.objects
    rows = (
        entries.values("community_id", "community__code", "community__name", "year")
        .annotate(n=Count("id"), top=Max("number"), distinct=Count("number", distinct=True))
        .order_by("community__code", "year")
    )
    for row in rows:
        if row["top"] != row["n"] or row["distinct"] != row["n"]:
            problems.append(
                RegisterProblem(
                    row["community__code"],
                    row["community__name"],
                    row["year"],
                    _("条目 %(n)s 条，最大序号 %(top)s，不重复序号 %(distinct)s 个") % row,
                )
            )
    return problems
