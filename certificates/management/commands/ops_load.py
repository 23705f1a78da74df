"""manage.py ops_load: clients applying, signing and issuing through the real workflow, for fault and pooler drills.

    ops_load --seconds 30 --clients 3 --acks /tmp/acks.jsonl    drive the load, logging every acknowledged write
    ops_load --check /tmp/acks.jsonl                              after the drill: was anything acknowledged lost?

An acknowledged write is one whose workflow call returned (its transaction committed): a request created, signed
(it then has its register number) or issued (its certificate code and hash). Each is appended to the log right
after the call returns. A call that fails (the database went away) is counted, never logged, and the client goes on
after a short pause. The check looks every logged write up, and lists stored files no record points to.
Development and drills only: it adds residents to the demo community that has a keeper.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import random
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from catalog.selectors import effective_issuable_items
from certificates import demo, workflow
from certificates.models import Attachment, CertificateRequest, IssuedCertificate, PendingUpload, RegisterEntry
from portal.demo import demo_id_number
from portal.errors import DATABASE_UNAVAILABLE
from portal.models import Membership, User
from portal.roles import Role
from seals.models import Seal

RESIDENTS = 12


def _community_with_keeper() -> tuple[Membership, Seal]:
    keeper = Membership.objects.filter(role=Role.KEEPER, active=True).select_related("user", "region").first()
    seal = keeper and Seal.objects.filter(community=keeper.region).first()
    if seal is None:
        raise CommandError("没有带印章保管人和印章的社区：先运行 DEBUG=1 manage.py seed_demo。")
    return keeper, seal


def _residents(keeper: Membership) -> list[User]:
    people = []
    for n in range(RESIDENTS):
        user, _ = User.objects.get_or_create(
            username=f"load_resident_{n}",
            defaults={
                "real_name": f"压测居民{n}",
                "id_number": demo_id_number(keeper.region.code, dt.date(1980, 1, 1), 900 + n),
            },
        )
        Membership.objects.get_or_create(user=user, role=Role.RESIDENT, region=keeper.region)
        people.append(user)
    return people


def _client(number: int, seconds: float, acks: str) -> dict[str, int]:
    keeper, seal = _community_with_keeper()
    community = keeper.region
    residents = list(User.objects.filter(username__startswith="load_resident_"))
    staff, director = demo._ensure_workers(community)
    items = list(effective_issuable_items(community))
    rng = random.Random(number)  # noqa: S311 - load data
    tally = {"acknowledged": 0, "failed": 0}
    deadline = time.monotonic() + seconds
    with Path(acks).open("a", buffering=1) as log:

        def ack(**record) -> None:
            log.write(json.dumps(record) + "\n")
            tally["acknowledged"] += 1

        while time.monotonic() < deadline:
            try:
                resident = rng.choice(residents)
                request = demo._apply(community, resident, rng.choice(items), items, rng)
                ack(kind="request", pk=request.pk)
                pk = request.pk
                workflow.verify(request_id=pk, actor=staff, method="document_check", note="压测")
                if request.item.requires_deliberation:
                    workflow.request_deliberation(request_id=pk, actor=staff)
                    workflow.record_deliberation(
                        request_id=pk,
                        actor=staff,
                        held_on=request.accepted_on,
                        place="社区议事厅",
                        participants="居民代表",
                        agreed=15,
                        total=19,
                    )
                else:
                    workflow.send_for_signature(request_id=pk, actor=staff)
                workflow.sign(request_id=pk, actor=director)
                entry = RegisterEntry.objects.get(request_id=pk)
                ack(kind="signed", pk=pk, entry=entry.pk, number=entry.display_number)
                workflow.issue(request_id=pk, actor=keeper.user, seal_id=seal.pk)
                cert = IssuedCertificate.objects.get(entry=entry)
                ack(kind="issued", pk=pk, code=cert.code, sha256=cert.sha256, pdf=cert.pdf.name)
            except DATABASE_UNAVAILABLE:
                tally["failed"] += 1
                # What a request's end does in a web worker: drop the broken connection, the next call reconnects.
                connections.close_all()
                time.sleep(0.3)
    return tally


def _client_in_process(args: tuple[int, float, str]) -> dict[str, int]:
    try:
        return _client(*args)
    finally:
        connections.close_all()


def check_acks(acks: Path) -> dict[str, int]:
    """Every acknowledged write still there; files no record points to."""
    records = [json.loads(line) for line in acks.read_text().splitlines() if line.strip()]
    lost = 0
    for r in records:
        if r["kind"] == "request":
            lost += not CertificateRequest.objects.filter(pk=r["pk"]).exists()
        elif r["kind"] == "signed":
            lost += not RegisterEntry.objects.filter(pk=r["entry"], request_id=r["pk"]).exists()
        else:
            lost += not IssuedCertificate.objects.filter(code=r["code"], sha256=r["sha256"], pdf=r["pdf"]).exists()
    referenced = {
        *Attachment.objects.values_list("file", flat=True),
        *PendingUpload.objects.values_list("file", flat=True),
        *IssuedCertificate.objects.values_list("pdf", flat=True),
        *IssuedCertificate.objects.exclude(stub_pdf="").values_list("stub_pdf", flat=True),
    }
    root = Path(settings.MEDIA_ROOT)
    stored = [
        p.relative_to(root).as_posix()
        for folder in ("requests", "certificates", "pending")
        if (root / folder).is_dir()
        for p in (root / folder).rglob("*")
        if p.is_file()
    ]
    orphans = [name for name in stored if name not in referenced]
    return {
        "acknowledged": len(records),
        "issued": sum(r["kind"] == "issued" for r in records),
        "lost": lost,
        "orphan_files": len(orphans),
    }


class Command(BaseCommand):
    help = "压测与故障演练：多个客户端通过真实办理流程申请、签发、出具，并记录每次已确认的写入；--check 核对。"

    def add_arguments(self, parser):
        parser.add_argument("--seconds", type=float, default=30)
        parser.add_argument("--clients", type=int, default=3)
        parser.add_argument("--acks", default="ops_load_acks.jsonl")
        parser.add_argument("--check", metavar="ACKS", help="核对已确认的写入是否都在")

    def handle(self, *args, seconds: float, clients: int, acks: str, check: str | None, **options):
        if check:
            self.stdout.write(json.dumps(check_acks(Path(check))))
            return
        keeper, _seal = _community_with_keeper()
        _residents(keeper)
        demo._ensure_workers(keeper.region)
        connections.close_all()  # each process opens its own connection
        context = multiprocessing.get_context("fork")
        with context.Pool(clients) as pool:
            parts = pool.map(_client_in_process, [(n, seconds, acks) for n in range(clients)])
        total = {key: sum(p[key] for p in parts) for key in parts[0]}
        self.stdout.write(json.dumps(total))
