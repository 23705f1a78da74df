"""Large exports (导出任务): a register of a year or an oversight table with more rows than
settings.EXPORT_INLINE_MAX_ROWS is rendered by a worker, not inside the web request.

The view asks `export_request`, which returns the one ExportJob of this person, export and data (keyed: the same
person, the same parameters, the same data version on the same day give the same row, so a double click or a reload
queues nothing new) and queues `certificates.tasks.render_export` after commit. The task (`render_job`) holds the
row's lock while it renders the file exactly as the inline export would (`render_file`, the same header and rows,
every cell spreadsheet_safe, identity numbers masked) into the private file storage under `exports/<key>.<fmt>`, and
marks the row done; run twice, it renders once. The person reads the state on a status page (排队中 / 生成中 /
已完成 / 失败, with a retry) and downloads through an access-checked view: only the person who asked, and only
while their role and place still allow that export (`allowed`). Only a POST makes a job (the export views show a
生成文件 button to a GET), so a crawler or a prefetch following a download link queues nothing.

A render that kills its worker leaves the row running; the message comes back and the sweep queues it again. Each
start counts an attempt: after MAX_ATTEMPTS the job is failed with a reason the status page shows, instead of
killing workers forever; the person's 重试 starts the count again.

An oversight table is keyed by the time its figures were computed where the page reads them from a snapshot
(certificates/snapshots.py), and the file says when the figures it holds were computed (数据计算于 …).

Files are not records: `sweep` removes the file and the row once `expires_at` has passed (settings.
EXPORT_RETENTION_HOURS), and queues again the jobs a broker outage left waiting.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from certificates import exports, snapshots
from certificates.models import ExportJob, ExportStatus, RegisterEntry
from certificates.permissions import can_view_register
from portal.access import oversees
from portal.models import Region, User
from portal.regions import Level

log = logging.getLogger(__name__)

FOLDER = "exports"
FORMATS = {"csv": exports.CSV_CONTENT_TYPE, "xlsx": exports.XLSX_CONTENT_TYPE}
# A queued job this old that no worker has taken was probably never handed to the broker (Redis was down); a job
# running this long lost its worker and its message. Queued again by the sweep: a render still under way holds the
# row's lock, so the second run waits for it and renders nothing.
REQUEUE_QUEUED_AFTER = dt.timedelta(minutes=5)
REQUEUE_RUNNING_AFTER = dt.timedelta(hours=1)
# Starts of one job's render (each a worker that took it); a render that kills its worker is not started again after.
MAX_ATTEMPTS = 3
GAVE_UP = gettext_noop(
    "已尝试生成 %(n)s 次，每次生成都中途中断（文件可能过大）。请点“重试”再试一次；如果仍然失败，请联系系统管理员。"
)


def render_file(
    header: Sequence[str], rows: Sequence[Sequence[object]], *, fmt: str, title: str, footer: Sequence[str] = ()
) -> bytes:
    """The file's bytes, the same for the inline download and the worker's. `footer`: lines after the rows."""
    if footer:
        rows = [*rows, *([line] for line in footer)]
    if fmt == "csv":
        return exports.to_csv(header, rows)
    if fmt == "xlsx":
        return exports.to_xlsx(header, rows, title=title)
    raise ValueError(fmt)


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list]
    title: str  # the sheet's title
    footer: tuple[str, ...] = ()  # lines after the rows (an oversight table: when its figures were computed)


# --- the kinds of export --------------------------------------------------------------------------------------------


def register_entries(community: Region, year: int):
    return (
        RegisterEntry.objects.filter(community=community, year=year)
        .select_related("verifier", "signer", "deputy_for", "cancellation", "request")
        .order_by("number")
    )


def register_table(community: Region, year: int, entries=None) -> Table:
    entries = register_entries(community, year) if entries is None else entries
    return Table(exports.register_header(), exports.register_rows(entries), _("%(year)s年登记簿") % {"year": year})


def _register_place(user: User, params: dict) -> Region | None:
    community = Region.objects.filter(level=Level.COMMUNITY, code=params.get("community", "")).first()
    return community if community is not None and can_view_register(user, community) else None


def _register_build(params: dict) -> Table:
    community = Region.objects.get(level=Level.COMMUNITY, code=params["community"])
    return register_table(community, int(params["year"]))


def _register_version(params: dict) -> str:
    """Changes when an entry is added or cancelled (entries themselves are permanent)."""
    entries = RegisterEntry.objects.filter(community__code=params["community"], year=int(params["year"]))
    agg = entries.aggregate(n=Count("id"), last=Max("id"), cancelled=Count("cancellation"))
    return f"{agg['n']}-{agg['last']}-{agg['cancelled']}"


def _oversight_place(user: User, params: dict) -> Region | None:
    region = Region.objects.filter(code=params.get("region", "")).first()
    return region if region is not None and oversees(user, region) else None


def oversight_snapshot_time(region: Region, computed_at: dt.datetime) -> str | None:
    """What keys an oversight job besides the day: the time of the snapshot the page shows, where the place's figures
    are kept as snapshots (a live place has a new time at every request: its key stays the day)."""
    if region.level in snapshots.SNAPSHOT_LEVELS and settings.OVERSIGHT_SNAPSHOT_SECONDS > 0:
        return computed_at.isoformat()
    return None


def _oversight_build(params: dict) -> Table:
    region = Region.objects.get(code=params["region"])
    # The figures the page shows: the kept snapshot when it is still there (the one the job is keyed by, or a newer
    # one), else counted now. The file says which.
    snapshot = snapshots.figures_for(region)
    figure = snapshot.figures[params["figure"]]
    computed = timezone.localtime(snapshot.computed_at).strftime("%Y-%m-%d %H:%M")
    return Table(figure.header, figure.rows, figure.title, footer=(_("数据计算于 %(t)s") % {"t": computed},))


@dataclass(frozen=True)
class Kind:
    place: Callable[[User, dict], Region | None]  # the place whose data it is, when the user may export it; else None
    build: Callable[[dict], Table]
    version: Callable[[dict], str]  # the data's version; the day is added to the key in any case


KINDS: dict[str, Kind] = {
    "register": Kind(_register_place, _register_build, _register_version),
    # The figures are counted as of today: the day is their version.
    "oversight": Kind(_oversight_place, _oversight_build, lambda params: ""),
}


def allowed(user: User, job: ExportJob) -> Region | None:
    """The place of the job's data when `user` asked for it and may still export it; None otherwise."""
    if job.user_id != user.pk or job.kind not in KINDS:
        return None
    return KINDS[job.kind].place(user, job.params)


def is_large(rows: int) -> bool:
    return rows > settings.EXPORT_INLINE_MAX_ROWS


# --- the job ------------------------------------------------------------------------------------------------------


def job_key(*, user: User, kind: str, params: dict, version: str, day: dt.date) -> str:
    text = json.dumps([user.pk, kind, params, version, day.isoformat()], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def export_request(*, user: User, kind: str, params: dict, filename: str, title: str) -> ExportJob:
    """The person's job for this export and data (made and queued when it is new). `params` carries the format and
    the language the file is written in, so the worker writes what the inline export would have."""
    params = {**params, "lang": translation.get_language() or settings.LANGUAGE_CODE}
    key = job_key(user=user, kind=kind, params=params, version=KINDS[kind].version(params), day=timezone.localdate())
    now = timezone.now()
    with transaction.atomic():
        # A double click races here: the unique key lets one insert win, the other reads the same row.
        job, created = ExportJob.objects.get_or_create(
            key=key,
            defaults={
                "user": user,
                "kind": kind,
                "params": params,
                "title": title[:200],
                "filename": filename[:120],
                "expires_at": now + dt.timedelta(hours=settings.EXPORT_RETENTION_HOURS),
            },
        )
        if created:
            transaction.on_commit(lambda: queue_export(job.pk))
    if not created:
        job.refresh_from_db()  # an inline run after commit of another request may have finished it
    return job


def export_retry(*, job: ExportJob) -> ExportJob:
    """A failed job back to the queue (the person's 重试). Any other state is left as it is."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().get(pk=job.pk)
        if job.status == ExportStatus.FAILED:
            job.status, job.error, job.attempts = ExportStatus.QUEUED, "", 0  # the person's retry: a fresh count
            job.expires_at = timezone.now() + dt.timedelta(hours=settings.EXPORT_RETENTION_HOURS)
            job.save(update_fields=["status", "error", "attempts", "expires_at"])
            transaction.on_commit(lambda: queue_export(job.pk))
    job.refresh_from_db()
    return job


def queue_export(job_id: int) -> None:
    """Hand the job to the task queue (inline without a broker). With the broker unreachable the row stays queued and
    the sweep queues it again once the queue is back."""
    from certificates.tasks import render_export  # late: the tasks module imports this one

    try:
        render_export.delay(job_id)
    except Exception as error:  # noqa: BLE001 - kombu/redis raise many kinds; the row is the record either way
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise
        log.warning("export %s stays queued: the task queue is unreachable (%s)", job_id, error)


def storage_name(job: ExportJob) -> str:
    return f"{FOLDER}/{job.key}.{job.params['fmt']}"


def _mark_running(job_id: int) -> ExportJob | None:
    """The job, marked running (what the status page shows) and its attempt counted; None when there is nothing to
    do: gone, done, or failed and not retried."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in (ExportStatus.DONE, ExportStatus.FAILED):
            return None
        if job.attempts >= MAX_ATTEMPTS:  # every start so far ended without a word (a worker killed mid-render)
            with translation.override(settings.LANGUAGE_CODE):  # the row's record is written in Chinese
                job.error = _(GAVE_UP) % {"n": job.attempts}
            job.status, job.finished_at = ExportStatus.FAILED, timezone.now()
            job.save(update_fields=["status", "error", "finished_at"])
            log.error("export %s given up after %s attempts", job_id, job.attempts)
            return None
        job.status, job.started_at, job.attempts = ExportStatus.RUNNING, timezone.now(), job.attempts + 1
        job.save(update_fields=["status", "started_at", "attempts"])
        return job


def gave_up(job: ExportJob) -> bool:
    """Failed because every attempt was cut short (the status page says so, in the reader's language); not a render
    that raised on its last attempt."""
    if job.status != ExportStatus.FAILED or job.attempts < MAX_ATTEMPTS:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        return job.error == _(GAVE_UP) % {"n": job.attempts}


def render_job(job_id: int) -> str:
    """Render the job's file into the private storage, once. Returns the job's state afterwards.

    The render runs holding the job's row lock (as notifications.deliver holds the delivery's): a second run waits,
    then finds the job done and renders nothing; a worker killed mid-render releases the lock with its connection,
    so the message given back to the queue renders it again."""
    if _mark_running(job_id) is None:
        return ExportJob.objects.filter(pk=job_id).values_list("status", flat=True).first() or "gone"
    try:
        with transaction.atomic():
            job = ExportJob.objects.select_for_update().filter(pk=job_id).first()
            if job is None or job.status != ExportStatus.RUNNING:  # done (or retried) by a run we waited for
                return job.status if job else "gone"
            fmt = job.params["fmt"]
            with translation.override(job.params.get("lang") or settings.LANGUAGE_CODE):
                table = KINDS[job.kind].build(job.params)
                body = render_file(table.header, table.rows, fmt=fmt, title=table.title, footer=table.footer)
            name = storage_name(job)
            if default_storage.exists(name):  # a run killed after storing, before marking done: replace its file
                default_storage.delete(name)
            now = timezone.now()
            job.status, job.rows, job.error = ExportStatus.DONE, len(table.rows), ""
            job.file_name = default_storage.save(name, ContentFile(body))
            job.finished_at, job.expires_at = now, now + dt.timedelta(hours=settings.EXPORT_RETENTION_HOURS)
            job.save(update_fields=["status", "file_name", "rows", "error", "finished_at", "expires_at"])
    except Exception as error:  # noqa: BLE001 - any failure is shown to the person, who may retry
        log.exception("export %s failed", job_id)
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportStatus.FAILED, error=str(error)[:500] or type(error).__name__, finished_at=timezone.now()
        )
        return ExportStatus.FAILED
    return ExportStatus.DONE


def read(job: ExportJob) -> bytes:
    with default_storage.open(job.file_name, "rb") as handle:
        return handle.read()


def sweep(*, now: dt.datetime | None = None) -> int:
    """Remove the files and rows of expired jobs (returns how many went); queue again jobs left waiting."""
    now = now or timezone.now()
    removed = 0
    for job in ExportJob.objects.filter(expires_at__lt=now).order_by("pk"):
        if job.file_name and default_storage.exists(job.file_name):
            default_storage.delete(job.file_name)
        job.delete()
        removed += 1
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        waiting = ExportJob.objects.filter(
            Q(status=ExportStatus.QUEUED, created_at__lt=now - REQUEUE_QUEUED_AFTER)
            | Q(status=ExportStatus.RUNNING, started_at__lt=now - REQUEUE_RUNNING_AFTER)
        )
        for job_id in waiting.values_list("pk", flat=True):
            queue_export(job_id)
    return removed
