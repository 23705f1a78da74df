"""Demo requests, seals and certificates, made through the real services and workflow functions, so that every
invariant (gapless register numbers, events, separation of duties) holds in demo and load-test data too.
"""

from __future__ import annotations

import multiprocessing
import random
import time
from concurrent.futures import ProcessPoolExecutor

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections

from catalog.selectors import effective_issuable_items
from certificates import services, workflow
from certificates.services import RequestInput
from portal.models import Membership, Region, User
from portal.regions import Level
from portal.roles import Role
from seals.models import Seal

# The smallest PDF a reader opens: one blank A4 page, with a correct cross-reference table (the upload check
# parses every PDF and refuses one it cannot read). Tests upload it too.
TINY_PDF = (
    b"%PDF-1.4\n1 0 obj\n<</Type/Catalog/Pages 2 0 R>>\nendobj\n2 0 obj\n<</Type/Pages/Kids[3 0 R]/Count 1>>\nendobj\n"
    b"3 0 obj\n<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<<>>>>\nendobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000054 00000 n \n0000000105 00000 n \n"
    b"trailer\n<</Size 4/Root 1 0 R>>\nstartxref\n184\n%%EOF\n"
)

# Where the generated requests end up (cumulative weights): most are signed, as in a working community.
OUTCOMES = [
    ("submitted", 15),
    ("awaiting_supplement", 5),
    ("verified", 10),
    ("awaiting_signature", 10),
    ("signed", 45),
    ("rejected", 10),
    ("withdrawn", 5),
]


def seed_specimen_seals() -> int:
    """One specimen (样章) certificate seal per community that has a keeper."""
    made = 0
    for m in Membership.objects.filter(role=Role.KEEPER, active=True).select_related("region", "user"):
        _, created = Seal.objects.get_or_create(
            community=m.region,
            name=f"{m.region.name}证明专用章",  # specimen by its flag, shown as a 样章 badge once
            defaults={"keeper": m.user, "is_specimen": True},
        )
        made += created
    return made


_workers: dict[int, tuple[User, User]] = {}
_items: dict[int, list] = {}


def _ensure_workers(community: Region) -> tuple[User, User]:
    """A staff member and a director for a generated community (the demo people live in a few only)."""
    if community.pk in _workers:
        return _workers[community.pk]
    users = []
    for role in (Role.STAFF, Role.DIRECTOR):
        m = Membership.objects.filter(region=community, role=role, active=True).select_related("user").first()
        if m is None:
            user, _ = User.objects.get_or_create(
                username=f"{role}_{community.code}", defaults={"real_name": f"{community.name[:4]}{Role(role).label}"}
            )
            m = Membership.objects.create(user=user, role=role, region=community)
        users.append(m.user)
    _workers[community.pk] = (users[0], users[1])
    return _workers[community.pk]


def _demo_value(spec: dict) -> str:
    """An item field's example, in the shape the service accepts (an example may read "2024年3月1日")."""
    if spec.get("type") == "date":
        return "2024-03-01"
    if spec.get("type") == "number":
        return "100"
    return str(spec.get("example") or spec.get("label") or "演示")


def _data_for(item, resident: User, rng: random.Random) -> RequestInput:
    uploads, commitments = {}, set()
    for material in item.materials:
        if material.get("requirement") == "commitment" and rng.random() < 0.5:
            commitments.add(material["name"])
        elif material.get("requirement") != "optional":
            uploads[material["name"]] = [SimpleUploadedFile("材料.pdf", TINY_PDF)]
    return RequestInput(
        applicant_name=resident.real_name or resident.username,
        applicant_id_number=resident.id_number,
        purpose=rng.choice(item.purposes) if item.purposes else "其他",
        requesting_body=rng.choice(item.requesting_bodies) if item.requesting_bodies else "某单位",
        requesting_basis="要求单位告知的依据（演示数据）",
        field_values={f["name"]: _demo_value(f) for f in item.fields},
        uploads=uploads,
        commitments=commitments,
        commitment_confirmed=bool(commitments),  # the demo resident read and ticked the commitment text
    )


def _apply(community: Region, resident: User, item, items: list, rng: random.Random):
    """An application as a resident makes it: the service refuses a second one for an item and purpose already in
    progress, so the demo resident picks another purpose or item, and when every one is in progress withdraws one
    that is in the way (as a resident would). With --concurrency another process may drive the same resident's
    requests meanwhile: a request that moved on is no longer in the way, so the resident looks again."""
    for _attempt in range(20):
        in_the_way = []
        for candidate in [item, *(other for other in items if other != item)]:
            data = _data_for(candidate, resident, rng)
            for purpose in [data.purpose, *(p for p in candidate.purposes if p != data.purpose)]:
                data.purpose = purpose
                try:
                    return services.request_create(
                        community=community, item=candidate, actor=resident, applicant=resident, data=data
                    )
                except services.DuplicateRequest as duplicate:
                    in_the_way.append(duplicate.existing)
        for withdrawable in (r for r in in_the_way if workflow.can(resident, r, "withdraw")):
            try:
                workflow.withdraw(request_id=withdrawable.pk, actor=resident)
            except workflow.WorkflowError:  # another process signed or withdrew it meanwhile
                continue
            data = _data_for(withdrawable.item, resident, rng)
            data.purpose = withdrawable.purpose
            try:
                return services.request_create(
                    community=community, item=withdrawable.item, actor=resident, applicant=resident, data=data
                )
            except services.DuplicateRequest:  # another process applied for it meanwhile
                break
    raise RuntimeError(f"demo resident {resident.username} found nothing to apply for in {community.code}")


def _drive(community: Region, resident: User, rng: random.Random) -> str:
    if community.pk not in _items:
        _items[community.pk] = list(effective_issuable_items(community))
    items = _items[community.pk]
    item = rng.choice(items)
    staff, director = _ensure_workers(community)
    outcome = rng.choices([o for o, _ in OUTCOMES], weights=[w for _, w in OUTCOMES])[0]
    request = _apply(community, resident, item, items, rng)
    pk, item = request.pk, request.item
    if outcome == "submitted":
        return outcome
    if outcome == "withdrawn":
        workflow.withdraw(request_id=pk, actor=resident)
        return outcome
    if outcome == "awaiting_supplement":
        workflow.request_supplement(request_id=pk, actor=staff, missing="户口簿首页复印件不清晰，请重新上传")
        return outcome
    if outcome == "rejected":
        workflow.reject(request_id=pk, actor=staff, reason="申请人户籍不在本社区（演示数据）")
        return outcome
    workflow.verify(request_id=pk, actor=staff, method="document_check", note="查验户口簿原件（演示数据）")
    if outcome == "verified":
        return outcome
    if item.requires_deliberation:
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
    if outcome == "awaiting_signature":
        return outcome
    workflow.sign(request_id=pk, actor=director)
    return "signed"


def _resident_pairs() -> list[Membership]:
    """Residents (with an ID number) of communities that have something to apply for."""
    pairs = list(
        Membership.objects.filter(role=Role.RESIDENT, active=True, region__level=Level.COMMUNITY)
        .exclude(user__id_number="")
        .select_related("user", "region")
        .order_by("id")
    )
    with_items = {c for c in {m.region for m in pairs} if effective_issuable_items(c).exists()}
    return [m for m in pairs if m.region in with_items]


def _work(worker: int, count: int, workers: int, seed: int) -> dict[str, int]:
    """One worker's share: requests worker, worker + workers, … driven through the workflow."""
    rng = random.Random(seed + worker)  # noqa: S311 - demo data, reproducible by seed
    # Each process drives its own residents: two processes applying for one resident would withdraw each other's
    # requests in the middle of their transitions.
    pairs = _resident_pairs()
    mine = set(sorted({m.user_id for m in pairs})[worker::workers])  # seed_requests keeps workers <= residents
    pairs = [m for m in pairs if m.user_id in mine]
    tally: dict[str, int] = {}
    for n in range(worker, count, workers):
        m = pairs[(n * 7919) % len(pairs)]
        outcome = _drive(m.region, m.user, rng)
        tally[outcome] = tally.get(outcome, 0) + 1
    return tally


def _work_in_process(worker: int, count: int, workers: int, seed: int) -> dict[str, int]:
    try:
        return _work(worker, count, workers, seed)
    finally:
        connections.close_all()  # a worker process leaves no connection behind


def seed_requests(*, count: int, concurrency: int = 1, seed: int = 2026) -> dict[str, int]:
    """Drive `count` requests through the workflow, spread over communities, items and states.

    With concurrency > 1 the work runs in that many processes (forked after closing the database connections),
    so the ORM's Python work uses every core instead of queuing on one interpreter lock.
    """
    pairs = _resident_pairs()
    if not pairs:
        return {}
    # Workers for every community are made here, once, before any parallel work: two processes creating the
    # same community's director at once would collide on the membership's unique key.
    for community in {m.region for m in pairs}:
        _ensure_workers(community)
    started = time.monotonic()
    concurrency = max(1, min(concurrency, len({m.user_id for m in pairs})))  # each process has its own residents
    if concurrency == 1:
        parts = [_work(0, count, 1, seed)]
    else:
        connections.close_all()  # each process opens its own connection
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(concurrency, mp_context=context) as pool:
            parts = list(
                pool.map(
                    _work_in_process,
                    range(concurrency),
                    [count] * concurrency,
                    [concurrency] * concurrency,
                    [seed] * concurrency,
                )
            )
    tally: dict[str, int] = {}
    for part in parts:
        for key, value in part.items():
            tally[key] = tally.get(key, 0) + value
    tally["seconds"] = round(time.monotonic() - started)
    return tally
