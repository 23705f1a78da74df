"""Province-scale load data (`seed_demo --requests N --bulk`): a million requests over every community in minutes.

The workflow path (certificates/demo.py) drives each request through the real transitions, about 60 a second. This
path writes the same rows in bulk, in batches of one transaction each, but takes every value from the same rule
functions: due dates from `workdays.add_workdays`, the frozen certificate text from `freeze.certificate_text` and
`freeze.liability_problem`, register numbers from the register's locked counter rows (`register.take_numbers`) and
formatted by `register.format_number`, validity from `documents.add_months`; each status change leaves the event the
transition would have written (who, when, from, to), commitments where the item takes one, a cancellation record
for a cancelled entry. What it leaves out, and says so: uploaded files (a million tiny PDFs would only fill the
disk) and items that need a residents' deliberation (the workflow path drives those). Issued certificates share one stored demo PDF, with its
SHA-256, and are marked demo. `verify_register` and `verify_seal_ledger` hold afterwards (tested).

Requests are spread over every community of the loaded region list and over the last `days` days, open ones in
the last fortnight; per community, signing times only move forward, so register numbers follow signing order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import multiprocessing
import random
import time
from concurrent.futures import ProcessPoolExecutor

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, connections, transaction
from django.utils import timezone

from catalog.models import IssuableItem
from catalog.selectors import effective_issuable_items
from certificates import freeze, register, workflow
from certificates.demo import TINY_PDF
from certificates.documents import add_months, new_verification_code
from certificates.models import (
    CertificateRequest,
    Channel,
    Commitment,
    IssuedCertificate,
    RegisterCancellation,
    RegisterEntry,
    RequestEvent,
    Status,
    VerificationMethod,
)
from certificates.services import current_commitment_text
from certificates.workdays import add_workdays
from portal.demo import DEMO_PASSWORD, demo_id_number, random_name
from portal.models import Membership, Region, User
from portal.regions import Level
from portal.roles import Role
from seals.models import DocumentKind, Seal, SealUse

# Where requests end up (weights); issued is what most signed matters become.
OUTCOMES = [
    (Status.SUBMITTED, 6),
    (Status.AWAITING_SUPPLEMENT, 3),
    (Status.VERIFIED, 4),
    (Status.AWAITING_SIGNATURE, 4),
    (Status.SIGNED, 8),
    (Status.ISSUED, 55),
    (Status.REJECTED, 8),
    (Status.WITHDRAWN, 4),
    (Status.CANCELLED, 1),
]
# The transitions that lead to each outcome (the path certificates/demo.py takes through workflow.TRANSITIONS).
PATHS = {
    Status.SUBMITTED: ["submit"],
    Status.AWAITING_SUPPLEMENT: ["submit", "request_supplement"],
    Status.VERIFIED: ["submit", "verify"],
    Status.AWAITING_SIGNATURE: ["submit", "verify", "send_for_signature"],
    Status.SIGNED: ["submit", "verify", "send_for_signature", "sign"],
    Status.ISSUED: ["submit", "verify", "send_for_signature", "sign", "issue"],
    Status.REJECTED: ["submit", "reject"],
    Status.WITHDRAWN: ["submit", "withdraw"],
    Status.CANCELLED: ["submit", "verify", "send_for_signature", "sign", "cancel"],
}
OPEN = {Status.SUBMITTED, Status.AWAITING_SUPPLEMENT, Status.VERIFIED, Status.AWAITING_SIGNATURE}
DEMO_PDF_NAME = "certificates/demo/bulk-demo-certificate.pdf"
RESIDENTS_PER_COMMUNITY = 3


def province_items(actor: User) -> list[IssuableItem]:
    """The demo's 雁塔区 examples also as the province's own items, so that every community of the region list has
    something to apply for. Created and published through catalog.services: an item the publishing rules refuse
    (a name near a non-issuable one, a basis awaiting the county's confirmation) is left as a draft."""
    from django.core.exceptions import ValidationError

    from catalog import services as catalog_services
    from catalog.models import Scope

    province = Region.objects.get(level=Level.PROVINCE, code="610000000000")
    made = []
    for source in IssuableItem.objects.filter(code__startswith="610113-ZM").order_by("code"):
        code = source.code.replace("610113-", "610000-")
        item = IssuableItem.objects.filter(code=code).first()
        if item is None:
            item = IssuableItem(
                region=province,
                scope=Scope.PROVINCE,
                code=code,
                **{
                    f: getattr(source, f)
                    for f in (
                        "name",
                        "legal_bases",
                        "purposes",
                        "requesting_bodies",
                        "materials",
                        "time_limit_workdays",
                        "procedure",
                        "validity_months",
                        "requires_deliberation",
                        "applies_to",
                        "fields",
                        "body_template",
                    )
                },
            )
            catalog_services.item_save(item=item, actor=actor, reason="演示数据")
        if not item.is_published:
            try:
                with transaction.atomic():
                    item = catalog_services.item_publish(item=item, actor=actor)
            except ValidationError:
                continue
        made.append(item)
    return made


def _check_workflow_paths() -> None:
    """Each path is a walk the transition table allows, ending in its outcome (so a changed table stops the seed)."""
    for outcome, path in PATHS.items():
        state = Status.DRAFT
        for action in path:
            transition = workflow.TRANSITIONS[action]
            if state not in transition.sources:
                raise ValueError(f"{outcome}: {action} does not leave {state}")
            state = transition.target
        if state != outcome:
            raise ValueError(f"{outcome}: the path ends in {state}")


def _people(communities: list[Region], rng: random.Random) -> dict[int, dict]:
    """Staff, director and keeper (with a specimen seal) and a few residents per community, made in bulk where
    missing. Returns {community id: {"staff", "director", "keeper", "seal", "residents"}}."""
    password = make_password(DEMO_PASSWORD)
    roles = (Role.STAFF, Role.DIRECTOR, Role.KEEPER)
    have: dict[tuple[int, str], list[User]] = {}
    for m in Membership.objects.filter(
        region__in=communities, active=True, role__in=[*roles, Role.RESIDENT]
    ).select_related("user"):
        if m.role != Role.RESIDENT or m.user.id_number:
            have.setdefault((m.region_id, m.role), []).append(m.user)
    new_users, new_members = [], []
    for c in communities:
        for role in roles:
            if (c.pk, role) not in have:
                user = User(username=f"{role}_{c.code}", real_name=f"{random_name(rng)}", password=password)
                new_users.append(user)
                new_members.append((user, role, c))
        for i in range(len(have.get((c.pk, Role.RESIDENT), [])), RESIDENTS_PER_COMMUNITY):
            born = dt.date(1950 + rng.randrange(55), rng.randrange(1, 13), rng.randrange(1, 29))
            user = User(
                username=f"r{c.code}{i:05d}",
                real_name=random_name(rng),
                password=password,
                id_number=demo_id_number(c.code, born, i),
            )
            new_users.append(user)
            new_members.append((user, Role.RESIDENT, c))
    User.objects.bulk_create(new_users, batch_size=2000, ignore_conflicts=True)
    by_name = {u.username: u for u in User.objects.filter(username__in=[u.username for u in new_users])}
    Membership.objects.bulk_create(
        [Membership(user=by_name[u.username], role=r, region=c) for u, r, c in new_members if u.username in by_name],
        batch_size=2000,
        ignore_conflicts=True,
    )
    for u, r, c in new_members:
        if u.username in by_name:
            have.setdefault((c.pk, r), []).append(by_name[u.username])
    seals = {s.community_id: s for s in Seal.objects.filter(community__in=communities, is_specimen=True).order_by("pk")}
    Seal.objects.bulk_create(
        [
            Seal(community=c, name=f"{c.name}证明专用章", keeper=have[(c.pk, Role.KEEPER)][0], is_specimen=True)
            for c in communities
            if c.pk not in seals
        ],
        batch_size=2000,
    )
    seals = {
        s.community_id: s
        for s in Seal.objects.filter(community__in=communities, is_specimen=True)
        .select_related("keeper")
        .order_by("-pk")
    }
    return {
        c.pk: {
            "staff": have[(c.pk, Role.STAFF)][0],
            "director": have[(c.pk, Role.DIRECTOR)][0],
            "keeper": seals[c.pk].keeper,
            "seal": seals[c.pk],
            "residents": have[(c.pk, Role.RESIDENT)],
        }
        for c in communities
    }


def _catalogs(communities: list[Region]) -> dict[int, list[IssuableItem]]:
    """Each community's issuable items without a deliberation: one query per distinct (county, kind), not per
    community."""
    found: dict[tuple[str, str], list[IssuableItem]] = {}
    result = {}
    for c in communities:
        key = (c.code[:6], c.community_kind)
        if key not in found:
            found[key] = [item for item in effective_issuable_items(c) if not item.requires_deliberation]
        if found[key]:
            result[c.pk] = found[key]
    return result


def _versions(items) -> dict[int, int | None]:
    return {
        i.pk: i.history.order_by("-history_date", "-history_id").values_list("history_id", flat=True).first()
        for i in items
    }


def _demo_pdf() -> tuple[str, str, int]:
    if not default_storage.exists(DEMO_PDF_NAME):
        default_storage.save(DEMO_PDF_NAME, ContentFile(TINY_PDF))
    return DEMO_PDF_NAME, hashlib.sha256(TINY_PDF).hexdigest(), len(TINY_PDF)


def _aware(day: dt.date, minutes: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(8, 30)) + dt.timedelta(minutes=minutes))


class _Due:
    """add_workdays, remembered per (day, limit): the same answer for the same question, asked once."""

    def __init__(self) -> None:
        self.cache: dict[tuple[dt.date, int], object] = {}

    def __call__(self, day: dt.date, limit: int):
        key = (day, limit)
        if key not in self.cache:
            self.cache[key] = add_workdays(day, limit)
        return self.cache[key]


def seed_requests_bulk(
    *,
    count: int,
    days: int = 365,
    seed: int = 2026,
    batch: int = 5000,
    concurrency: int = 1,
    today: dt.date | None = None,
    log=None,
) -> dict[str, int]:
    """Write `count` requests (with events, commitments, register entries, seal uses and issued certificates).

    With concurrency > 1 (PostgreSQL) that many processes share the work, each owning every n-th community, so
    that one community's signings (and register numbers) come from one process in time order."""
    _check_workflow_paths()
    started = time.monotonic()
    rng = random.Random(seed)  # noqa: S311 - demo data, reproducible by seed
    communities = list(Region.objects.filter(level=Level.COMMUNITY, retired_on__isnull=True).order_by("code"))
    catalogs = _catalogs(communities)
    communities = [c for c in communities if c.pk in catalogs]
    if not communities:
        return {}
    setup = {
        "communities": communities,
        "catalogs": catalogs,
        "people": _people(communities, rng),
        "versions": _versions({i for items in catalogs.values() for i in items}),
        "pdf": _demo_pdf(),
        "commitment_text": current_commitment_text(),
        "today": today or timezone.localdate(),
        "days": days,
        "batch": batch,
        "seed": seed,
        "log": log,
        "started": started,
    }
    if log:
        log(f"{len(communities)} communities ready, {time.monotonic() - started:.0f} s")
    workers = max(1, min(concurrency, len(communities)))
    shares = [count // workers + (w < count % workers) for w in range(workers)]
    if workers == 1:
        parts = [_work(setup, 0, 1, shares[0])]
    else:
        global _SETUP
        _SETUP = setup  # inherited by the forked workers
        connections.close_all()
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            parts = list(pool.map(_work_in_process, range(workers), [workers] * workers, shares))
    tally: dict[str, int] = {}
    for part in parts:
        for key, value in part.items():
            tally[key] = tally.get(key, 0) + value
    tally["seconds"] = round(time.monotonic() - started)
    return tally


_SETUP: dict = {}


def _work_in_process(worker: int, workers: int, count: int) -> dict[str, int]:
    try:
        return _work(_SETUP, worker, workers, count)
    finally:
        connections.close_all()


def _work(setup: dict, worker: int, workers: int, count: int) -> dict[str, int]:
    """One process's share: `count` requests over its communities, in batches of one transaction each."""
    rng = random.Random(setup["seed"] * 1000 + worker)  # noqa: S311 - demo data, reproducible by seed
    communities = setup["communities"][worker::workers]
    today, days = setup["today"], setup["days"]
    first_day = today - dt.timedelta(days=days - 1)
    outcomes = [o for o, _w in OUTCOMES]
    weights = [w for _o, w in OUTCOMES]
    due, last_signed, tally = _Due(), {}, {}
    done = 0
    while done < count:
        size = min(setup["batch"], count - done)
        # Acceptance days advance with the batches, so signing times (and register numbers) advance too.
        plan = []
        for n in range(done, done + size):
            outcome = rng.choices(outcomes, weights)[0]
            if outcome in OPEN:
                day = today - dt.timedelta(days=rng.randrange(0, 14))
            else:
                day = first_day + dt.timedelta(days=min(days - 1, n * days // count))
            plan.append((communities[(n * 7919) % len(communities)], outcome, day))
        _write_batch(
            plan,
            setup["people"],
            setup["catalogs"],
            setup["versions"],
            due,
            rng,
            last_signed,
            setup["pdf"],
            setup["commitment_text"],
        )
        for _c, outcome, _d in plan:
            tally[str(outcome)] = tally.get(str(outcome), 0) + 1
        done += size
        if setup["log"] and worker == 0:
            log = setup["log"]
            log(f"worker 0: {done}/{count} requests, {time.monotonic() - setup['started']:.0f} s")
    return tally


_LIABILITY_CHECKED: set[tuple] = set()


def _check_liability(text, row: dict) -> None:
    """freeze.liability_problem, asked once per wording: texts differ only by the applicant's name and ID number."""
    key = tuple(
        str(part).replace(row["applicant_name"], "").replace(row["applicant_id_number"], "")
        for part in (text.title, text.addressee, text.body, text.purpose, text.requesting_body)
    )
    if key not in _LIABILITY_CHECKED:
        problem = freeze.liability_problem(text)
        if problem:
            raise ValueError(problem)
        _LIABILITY_CHECKED.add(key)


class _Table:
    """Rows written straight to one table: COPY on PostgreSQL (ids taken from the table's sequence first, so that
    child rows can point at them), bulk_create elsewhere. Rows are {attname: value}; every other column gets the
    field's default, as Model(...) would give it."""

    def __init__(self, model) -> None:
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields]
        self.defaults = {f.attname: f.get_default() for f in self.fields if not f.primary_key}

    def insert(self, rows: list[dict]) -> list[int]:
        if not rows:
            return []
        if connection.vendor != "postgresql":
            objs = self.model.objects.bulk_create([self.model(**{**self.defaults, **row}) for row in rows], 1000)
            return [o.pk for o in objs]
        table = self.model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(rows)]
            )
            ids = [r[0] for r in cursor.fetchall()]
            buffer = io.StringIO()
            for pk, row in zip(ids, rows, strict=True):
                values = {**self.defaults, **row, "id": pk}
                buffer.write("\t".join(_copy_text(values[f.attname]) for f in self.fields))
                buffer.write("\n")
            buffer.seek(0)
            columns = ", ".join(f'"{f.column}"' for f in self.fields)
            cursor.cursor.copy_expert(f'COPY "{table}" ({columns}) FROM STDIN', buffer)
        return ids


def _copy_text(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, dt.datetime | dt.date):
        value = value.isoformat()
    else:
        value = str(value)
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


TABLES: dict = {}


def _table(model) -> _Table:
    if model not in TABLES:
        TABLES[model] = _Table(model)
    return TABLES[model]


@transaction.atomic
def _write_batch(plan, people, catalogs, versions, due, rng, last_signed, pdf, commitment_text) -> None:
    now = timezone.now()
    rows, plans = [], []
    for community, outcome, day in plan:
        item = rng.choice(catalogs[community.pk])
        who = people[community.pk]
        resident = rng.choice(who["residents"])
        materials = [m["name"] for m in item.materials if m.get("requirement") == "commitment"]
        accepted = _aware(day, rng.randrange(0, 480))
        if accepted > now:
            accepted = now - dt.timedelta(minutes=1)
        day = timezone.localdate(accepted)
        due_date = due(day, item.time_limit_workdays if item.time_limit_workdays is not None else 5)
        row = {
            "community_id": community.pk,
            "item_id": item.pk,
            "item_version": versions[item.pk],
            "channel": Channel.ONLINE if rng.random() < 0.7 else Channel.COUNTER,
            "applicant_id": resident.pk,
            "applicant_name": resident.real_name,
            "applicant_id_number": resident.id_number,
            "created_by_id": resident.pk,
            "purpose": rng.choice(item.purposes) if item.purposes else "其他",
            "requesting_body": rng.choice(item.requesting_bodies) if item.requesting_bodies else "某单位",
            "requesting_basis": "要求单位告知的依据（演示数据）",
            "field_values": {f["name"]: str(f.get("example") or f.get("label") or "演示") for f in item.fields},
            "accepted_on": day,
            "due_date": due_date.date,
            "due_date_provisional": due_date.provisional,
            "post_check_required": bool(materials),
            "status": str(outcome),
            "created_at": accepted,
        }
        path = PATHS[outcome]
        times = [accepted]
        for _action in path[1:]:
            times.append(min(times[-1] + dt.timedelta(hours=rng.randrange(1, 40)), now))
        if "request_supplement" in path:
            row["supplement_requested_on"] = timezone.localdate(times[1])
            row["supplement_note"] = "户口簿首页复印件不清晰，请重新上传"
        if "reject" in path:
            row["rejection_reason"] = "申请人户籍不在本社区（演示数据）"
        if "verify" in path:
            row["verification_method"] = VerificationMethod.DOCUMENT_CHECK.value
            row["verification_note"] = "查验户口簿原件（演示数据）"
            row["verified_by_id"] = who["staff"].pk
            row["verified_at"] = times[path.index("verify")]
        text = None
        if "sign" in path:
            at = times[path.index("sign")]
            if community.pk in last_signed and at <= last_signed[community.pk]:
                at = last_signed[community.pk] + dt.timedelta(seconds=1)  # numbers follow signing order
            last_signed[community.pk] = at
            times[path.index("sign")] = at
            for later in range(path.index("sign") + 1, len(path)):
                times[later] = max(times[later], at)
            row["signed_by_id"] = who["director"].pk
            row["signed_at"] = at
            # What is signed is what is printed: the text frozen by the same function as workflow.sign.
            unsaved = CertificateRequest(
                community=community, item=item, **{k: v for k, v in row.items() if k not in ("community_id", "item_id")}
            )
            text = freeze.certificate_text(unsaved, version=versions[item.pk])
            _check_liability(text, row)
        row["revision"] = len(path)
        row["updated_at"] = times[-1]
        rows.append(row)
        plans.append((community, who, path, times, materials, text))
    ids = _table(CertificateRequest).insert(rows)
    events, commitments, signed = [], [], []
    for pk, row, (community, who, path, times, materials, text) in zip(ids, rows, plans, strict=True):
        state = Status.DRAFT
        for action, at in zip(path, times, strict=True):
            target = workflow.TRANSITIONS[action].target
            actor = {
                "submit": row["applicant_id"],
                "withdraw": row["applicant_id"],
                "sign": who["director"].pk,
                "cancel": who["director"].pk,
                "issue": who["keeper"].pk,
            }.get(action, who["staff"].pk)
            events.append(
                {
                    "request_id": pk,
                    "action": action,
                    "from_status": str(state),
                    "to_status": str(target),
                    "actor_id": actor,
                    "at": at,
                }
            )
            state = target
        commitments += [
            {
                "request_id": pk,
                "material": m,
                "text_id": commitment_text.pk,
                "confirmed_by_id": row["applicant_id"],
                "confirmed_at": times[0],
            }
            for m in materials
        ]
        if text is not None:
            signed.append((pk, row, community, who, path, times, text))
    _table(RequestEvent).insert(events)
    _table(Commitment).insert(commitments)
    _register(signed, pdf)


def _register(signed, pdf) -> None:
    """Register entries numbered from the counter rows, a cancellation record for a cancelled entry, and for an
    issued matter its seal use and certificate."""
    wanted: dict[tuple[int, int], int] = {}
    for _pk, row, community, *_rest in signed:
        key = (community.pk, timezone.localdate(row["signed_at"]).year)
        wanted[key] = wanted.get(key, 0) + 1
    given = register.take_numbers(wanted)
    signed.sort(key=lambda s: s[1]["signed_at"])
    entries = []
    for pk, row, community, _who, _path, _times, text in signed:
        year = timezone.localdate(row["signed_at"]).year
        number = given[(community.pk, year)]
        given[(community.pk, year)] += 1
        entries.append(
            {
                "community_id": community.pk,
                "year": year,
                "number": number,
                "display_number": register.format_number(community, year, number),
                "request_id": pk,
                "registered_at": row["signed_at"],
                "applicant_name": row["applicant_name"],
                "applicant_id_number": row["applicant_id_number"],
                "matter_name": text.title,
                "item_version": text.item_version,
                "purpose": text.purpose,
                "requesting_body": text.requesting_body,
                "certificate_addressee": text.addressee,
                "certificate_body": text.body,
                "validity_months": text.validity_months,
                "has_frozen_text": True,
                "verifier_id": row["verified_by_id"],
                "signer_id": row["signed_by_id"],
                "exceptional": False,
            }
        )
    entry_ids = _table(RegisterEntry).insert(entries)
    cancellations, uses, issued = [], [], []
    for entry_id, entry, (_pk, _row, _c, who, path, times, _t) in zip(entry_ids, entries, signed, strict=True):
        if path[-1] == "cancel":
            cancellations.append(
                {
                    "entry_id": entry_id,
                    "reason": "申请人撤回用途，登记作废（演示数据）",
                    "actor_id": entry["signer_id"],
                    "at": times[-1],
                }
            )
        if "issue" in path:
            at = times[path.index("issue")]
            uses.append(
                {
                    "seal_id": who["seal"].pk,
                    "document_kind": DocumentKind.CERTIFICATE.value,
                    "document_title": entry["matter_name"],
                    "register_entry_id": entry_id,
                    "approved_by_id": entry["signer_id"],
                    "applied_by_id": who["keeper"].pk,
                    "copies": 1,
                    "at": at,
                }
            )
            issued.append((entry_id, entry, who, at))
    _table(RegisterCancellation).insert(cancellations)
    use_ids = _table(SealUse).insert(uses)
    name, sha, size = pdf
    _table(IssuedCertificate).insert(
        [
            {
                "entry_id": entry_id,
                "code": new_verification_code(),
                "pdf": name,
                "sha256": sha,
                "size": size,
                "issued_at": at,
                "issued_by_id": who["keeper"].pk,
                "valid_until": add_months(timezone.localdate(at), entry["validity_months"])
                if entry["validity_months"]
                else None,
                "seal_use_id": use_id,
                "demo": True,
            }
            for use_id, (entry_id, entry, who, at) in zip(use_ids, issued, strict=True)
        ]
    )
