"""Check the seal ledger (用印登记簿) against the issued certificates. Exits non-zero naming each problem.

Every issued certificate has exactly one seal row, and that row names the certificate's own register entry; every
certificate seal row names a register entry whose request is signed or issued and has its certificate; every
request marked issued has its certificate; every non-certificate seal row comes from an applied use request.
The ledger is a permanent record, so a problem found here is reported for a person to look into, never repaired.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.management.base import BaseCommand, CommandError

from certificates.models import CertificateRequest, IssuedCertificate, Status
from seals.models import DocumentKind, SealUse, UseRequestStatus


@dataclass(frozen=True)
class Problem:
    community: str
    subject: str
    detail: str

    def __str__(self) -> str:
        return f"{self.community} {self.subject}：{self.detail}"


def _use_subject(use: SealUse) -> str:
    return f"用印登记第{use.pk}条（{use.document_title}）"


def find_problems(community=None) -> list[Problem]:
    """Every problem of the ledger (of one community when given: an inspection pre-fills its checklist from it)."""
    problems: list[Problem] = []
    place, only = community, community is not None  # `community` names each problem's community below

    certificates = (
        IssuedCertificate.objects.filter(**({"entry__community": place} if only else {}))
        .select_related("entry__community", "seal_use", "seal_use__register_entry")
        .order_by("entry__community__code", "entry__year", "entry__number")
    )
    for certificate in certificates.iterator():
        entry, use = certificate.entry, certificate.seal_use
        community = entry.community.name
        if use.document_kind != DocumentKind.CERTIFICATE:
            problems.append(Problem(community, entry.display_number, "证明的用印登记不是“证明”类型。"))
        if use.register_entry_id != entry.pk:
            other = use.register_entry.display_number if use.register_entry_id else "无"
            problems.append(
                Problem(community, entry.display_number, f"证明的用印登记指向另一登记条目（{other}），不是本条。")
            )

    uses = (
        SealUse.objects.filter(**({"seal__community": place} if only else {}))
        .select_related("seal__community", "register_entry__request", "register_entry__community", "use_request")
        .order_by("seal__community__code", "at", "pk")
    )
    certificate_of_use = dict(
        IssuedCertificate.objects.filter(**({"entry__community": place} if only else {})).values_list(
            "seal_use_id", "entry_id"
        )
    )
    for use in uses.iterator():
        community = use.seal.community.name
        if use.document_kind == DocumentKind.CERTIFICATE:
            entry = use.register_entry
            if entry is None:
                problems.append(Problem(community, _use_subject(use), "证明用印没有对应的登记簿条目。"))
                continue
            if entry.request.status not in (Status.SIGNED, Status.ISSUED):
                problems.append(
                    Problem(
                        community,
                        entry.display_number,
                        f"已登记用印，但申请状态为“{entry.request.get_status_display()}”，不是已签字或已出具。",
                    )
                )
            if use.pk not in certificate_of_use:
                problems.append(Problem(community, entry.display_number, "已登记用印，但没有对应的已出具证明。"))
            elif certificate_of_use[use.pk] != entry.pk:
                problems.append(Problem(community, entry.display_number, "用印登记与其证明指向不同的登记簿条目。"))
        elif use.use_request is None or use.use_request.status != UseRequestStatus.APPLIED:
            problems.append(Problem(community, _use_subject(use), "非证明用印没有对应的已用印申请。"))

    issued_without_certificate = (
        CertificateRequest.objects.filter(status=Status.ISSUED, register_entry__certificate__isnull=True)
        .filter(**({"community": place} if only else {}))
        .select_related("community", "register_entry")
        .order_by("community__code", "pk")
    )
    for request in issued_without_certificate:
        entry = getattr(request, "register_entry", None)
        subject = entry.display_number if entry else f"申请{request.pk}"
        problems.append(Problem(request.community.name, subject, "申请状态为已出具，但没有证明文件和用印登记。"))
    return problems


class Command(BaseCommand):
    help = "核对用印登记簿：每份已出具的证明恰有一条用印登记，每条证明用印都对应已签字或已出具且有证明的登记条目。"

    def handle(self, *args, **options):
        problems = find_problems()
        for problem in problems:
            self.stderr.write(str(problem))
        if problems:
            raise CommandError(f"用印登记簿有 {len(problems)} 处问题。")
        self.stdout.write("用印登记簿核对无误。")
