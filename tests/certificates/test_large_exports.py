"""Large exports (certificates/exportjobs.py) through HTTP: over settings.EXPORT_INLINE_MAX_ROWS rows the register or
oversight download is rendered by a keyed task into the private storage, shown on a status page and downloaded only
by the person who asked, while they may still export it. Tasks run inline here (no broker)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from certificates import exportjobs, snapshots, tasks, workflow
from certificates.models import ExportJob, ExportStatus, RegisterEntry
from portal.models import Membership, Role
from tests.factories import make_request

DANGEROUS_NAME = '=HYPERLINK("http://evil.example","点我")'
OVERSIGHT_CSV = ("610113000000", "areas", "csv")


def signed(personas, item, **extra) -> RegisterEntry:
    request = make_request(community=personas.community_x, item=item, created_by=personas.staff_x, **extra)
    workflow.submit(request_id=request.pk, actor=personas.staff_x)
    workflow.verify(request_id=request.pk, actor=personas.staff_x, method="document_check", note="查验")
    workflow.send_for_signature(request_id=request.pk, actor=personas.staff_x)
    workflow.sign(request_id=request.pk, actor=personas.director)
    return RegisterEntry.objects.get(request=request)


@pytest.fixture
def entries(personas, item):
    """Three register entries of community X this year, one with a name that would run as a formula."""
    found = [signed(personas, item, purpose=f"用途{i}") for i in range(2)]
    found.append(signed(personas, item, applicant_name=DANGEROUS_NAME, applicant_id_number="610113199001011234"))
    return found


@pytest.fixture
def small_threshold(settings):
    settings.EXPORT_INLINE_MAX_ROWS = 2


def export_url(personas, fmt="csv"):
    return reverse("desk:register_export", args=[personas.community_x.code, fmt])


def ask(client, url, capture):
    """Press 生成文件 (a POST) as the browser would; the task queued on commit runs inline."""
    with capture(execute=True) as callbacks:
        response = client.post(url)
    return response, callbacks


def test_a_small_export_stays_inline(personas, entries, login, settings, django_capture_on_commit_callbacks):
    settings.EXPORT_INLINE_MAX_ROWS = 3  # as many rows as the register has: not more
    response, callbacks = ask(login(personas.staff_x), export_url(personas), django_capture_on_commit_callbacks)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert callbacks == [] and not ExportJob.objects.exists()


def test_a_large_export_is_queued_rendered_and_shown_done(
    personas, entries, small_threshold, login, django_capture_on_commit_callbacks
):
    client = login(personas.staff_x)
    response, callbacks = ask(client, export_url(personas), django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("desk:export_job", args=[job.pk])
    assert len(callbacks) == 1 and job.status == ExportStatus.DONE and job.rows == 3
    assert job.file_name.startswith("exports/") and default_storage.exists(job.file_name)
    page = client.get(response["Location"]).content.decode()
    assert "已完成" in page and reverse("desk:export_download", args=[job.pk]) in page
    download = client.get(reverse("desk:export_download", args=[job.pk]))
    assert download.status_code == 200 and download["Cache-Control"] == "private, no-store"
    assert "attachment" in download["Content-Disposition"]


def test_a_queued_job_shows_its_state_and_refreshes(personas, entries, small_threshold, login):
    client = login(personas.staff_x)
    response = client.post(export_url(personas))  # the commit callback never runs: the job stays queued
    page = client.get(response["Location"]).content.decode()
    assert "排队中" in page and 'http-equiv="refresh"' in page
    ExportJob.objects.update(status=ExportStatus.RUNNING, started_at=timezone.now())
    assert "生成中" in client.get(response["Location"]).content.decode()
    # Not ready: the download sends back to the status page rather than serving anything.
    job = ExportJob.objects.get()
    assert client.get(reverse("desk:export_download", args=[job.pk]))["Location"] == response["Location"]


def test_a_double_click_and_a_task_run_twice_render_one_file_for_one_job(
    personas, entries, small_threshold, login, monkeypatch, django_capture_on_commit_callbacks
):
    renders = []
    real = exportjobs.render_file
    monkeypatch.setattr(exportjobs, "render_file", lambda *a, **k: renders.append(1) or real(*a, **k))
    client = login(personas.staff_x)
    first, _ = ask(client, export_url(personas), django_capture_on_commit_callbacks)
    second, callbacks = ask(client, export_url(personas), django_capture_on_commit_callbacks)
    assert first["Location"] == second["Location"] and callbacks == []  # the same job, nothing queued again
    job = ExportJob.objects.get()
    assert tasks.render_export.delay(job.pk).get() == ExportStatus.DONE  # a redelivered message
    assert len(renders) == 1 and ExportJob.objects.count() == 1
    assert default_storage.listdir("exports")[1] == [job.file_name.removeprefix("exports/")]
    # Another format, or new data in the register, is another export.
    ask(client, export_url(personas, "xlsx"), django_capture_on_commit_callbacks)
    signed(personas, entries[0].request.item)
    ask(client, export_url(personas), django_capture_on_commit_callbacks)
    assert ExportJob.objects.count() == 3 and len(renders) == 3


def test_the_key_is_the_person_the_export_the_data_and_the_day(personas, entries):
    params = {"community": personas.community_x.code, "year": 2026, "fmt": "csv"}
    key = exportjobs.job_key(
        user=personas.staff_x, kind="register", params=params, version="3", day=dt.date(2026, 6, 1)
    )
    same = exportjobs.job_key(
        user=personas.staff_x,
        kind="register",
        params=dict(reversed(params.items())),
        version="3",
        day=dt.date(2026, 6, 1),
    )
    assert key == same
    for other in (
        {"user": personas.director},
        {"params": {**params, "fmt": "xlsx"}},
        {"version": "4"},
        {"day": dt.date(2026, 6, 2)},
    ):
        values = {"user": personas.staff_x, "kind": "register", "params": params, "version": "3"}
        values["day"] = dt.date(2026, 6, 1)
        assert exportjobs.job_key(**{**values, **other}) != key


def test_the_queued_file_is_the_inline_export(personas, entries, settings, login, django_capture_on_commit_callbacks):
    client = login(personas.staff_x)
    inline_csv = client.get(export_url(personas)).content
    inline_xlsx = client.get(export_url(personas, "xlsx")).content
    settings.EXPORT_INLINE_MAX_ROWS = 2
    downloads = {}
    for fmt in ("csv", "xlsx"):
        response, _ = ask(client, export_url(personas, fmt), django_capture_on_commit_callbacks)
        job = ExportJob.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))
        downloads[fmt] = client.get(reverse("desk:export_download", args=[job.pk])).content
    assert downloads["csv"] == inline_csv

    # An XLSX carries its creation time: compare the cells.
    def cells(body):
        return [[c.value for c in row] for row in load_workbook(io.BytesIO(body)).active.iter_rows()]

    assert cells(downloads["xlsx"]) == cells(inline_xlsx)
    # Identity numbers masked and formulas defused, as inline.
    rows = list(csv.reader(io.StringIO(downloads["csv"].decode("utf-8-sig"))))
    dangerous = next(row for row in rows if DANGEROUS_NAME in row[2])
    assert dangerous[2] == "'" + DANGEROUS_NAME
    assert "610113199001011234" not in downloads["csv"].decode("utf-8-sig") and "*" in dangerous[3]


def test_only_the_person_who_asked_and_only_while_they_may_export(
    personas, entries, small_threshold, login, django_capture_on_commit_callbacks
):
    response, _ = ask(login(personas.staff_x), export_url(personas), django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    urls = [reverse("desk:export_job", args=[job.pk]), reverse("desk:export_download", args=[job.pk])]
    # The director may export the same register, but this job is not theirs: it does not exist for them.
    for persona in ("director", "county_officer", "resident_a", "staff_y", "other_county_officer"):
        client = login(personas.by_name(persona))
        assert [client.get(url).status_code for url in urls] == [404, 404], persona
        assert client.post(reverse("desk:export_retry", args=[job.pk])).status_code == 404, persona
    client = login(personas.staff_x)
    assert [client.get(url).status_code for url in urls] == [200, 200]
    # Staff member X leaves the community: the job they asked for is gone for them too.
    Membership.objects.filter(user=personas.staff_x, role=Role.STAFF).update(active=False)
    assert [client.get(url).status_code for url in urls] == [404, 404]
    assert client.get("/desk/exports/999999/").status_code == 404


def test_a_failure_shows_failed_and_a_retry_renders_it(
    personas, entries, small_threshold, login, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(params):
        raise RuntimeError("磁盘已满")

    real = exportjobs.KINDS["register"]
    monkeypatch.setitem(exportjobs.KINDS, "register", exportjobs.Kind(real.place, broken, real.version))
    client = login(personas.staff_x)
    response, _ = ask(client, export_url(personas), django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    assert job.status == ExportStatus.FAILED and "磁盘已满" in job.error and not job.file_name
    page = client.get(response["Location"]).content.decode()
    assert "失败" in page and reverse("desk:export_retry", args=[job.pk]) in page
    assert tasks.render_export.delay(job.pk).get() == ExportStatus.FAILED  # a stray redelivery does not retry
    # Asking again (a reload of the export button) shows the same failed job; the retry renders it.
    again, _ = ask(client, export_url(personas), django_capture_on_commit_callbacks)
    assert again["Location"] == response["Location"]
    monkeypatch.setitem(exportjobs.KINDS, "register", real)
    with django_capture_on_commit_callbacks(execute=True):
        retried = client.post(reverse("desk:export_retry", args=[job.pk]))
    assert retried["Location"] == response["Location"]
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE and job.error == "" and job.attempts == 1  # the retry counts afresh
    assert "已完成" in client.get(response["Location"]).content.decode()
    assert client.get(reverse("desk:export_download", args=[job.pk])).status_code == 200


def test_the_sweep_removes_expired_files_and_jobs_only(
    personas, entries, small_threshold, login, django_capture_on_commit_callbacks
):
    client = login(personas.staff_x)
    ask(client, export_url(personas), django_capture_on_commit_callbacks)
    ask(client, export_url(personas, "xlsx"), django_capture_on_commit_callbacks)
    old, kept = ExportJob.objects.order_by("pk")
    ExportJob.objects.filter(pk=old.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert tasks.sweep_exports.delay().get() == 1
    assert not default_storage.exists(old.file_name) and not ExportJob.objects.filter(pk=old.pk).exists()
    assert default_storage.exists(kept.file_name) and ExportJob.objects.filter(pk=kept.pk).exists()
    assert client.get(reverse("desk:export_job", args=[old.pk])).status_code == 404


def test_a_large_oversight_table_is_queued_too(personas, settings, login, django_capture_on_commit_callbacks):
    client = login(personas.county_officer)
    url = reverse("desk:oversight_export", args=OVERSIGHT_CSV)
    inline = client.get(url)
    assert inline.status_code == 200
    settings.EXPORT_INLINE_MAX_ROWS = 0
    response, _ = ask(client, url, django_capture_on_commit_callbacks)
    job = ExportJob.objects.get(kind="oversight")
    assert response["Location"] == reverse("desk:export_job", args=[job.pk])
    # The inline file, and after its rows when the figures were computed: the snapshot the page shows, its key.
    computed_at = dt.datetime.fromisoformat(job.params["computed_at"])
    assert computed_at == snapshots.figures_for(personas.yanta).computed_at
    footer = f"数据计算于 {timezone.localtime(computed_at):%Y-%m-%d %H:%M}\r\n".encode()
    assert client.get(reverse("desk:export_download", args=[job.pk])).content == inline.content + footer
    # Another officer who oversees the same county does not learn of the job.
    other = login(personas.provincial_officer)
    assert other.get(reverse("desk:export_download", args=[job.pk])).status_code == 404


def test_a_job_left_running_by_a_killed_worker_renders_when_its_message_comes_back(
    personas, entries, small_threshold, login
):
    client = login(personas.staff_x)
    client.post(export_url(personas))  # queued; the commit callback never runs here
    job = ExportJob.objects.get()
    # The first worker marked it running, then died mid-render: its lock went with its connection.
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING, started_at=timezone.now(), attempts=1)
    assert tasks.render_export.delay(job.pk).get() == ExportStatus.DONE
    job.refresh_from_db()
    assert job.attempts == 2 and default_storage.exists(job.file_name)
    assert client.get(reverse("desk:export_download", args=[job.pk])).status_code == 200


# --- a job is made by a button, not by a link ------------------------------------------------------------------------


def test_following_the_link_of_a_large_export_makes_no_job_the_button_does(
    personas, entries, small_threshold, login, django_capture_on_commit_callbacks
):
    client = login(personas.staff_x)
    url = export_url(personas) + "?year=" + str(timezone.localdate().year)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        page = client.get(url)  # a crawler, a prefetch, a link opened
    assert page.status_code == 200 and callbacks == [] and not ExportJob.objects.exists()
    html = page.content.decode()
    assert "生成文件" in html and 'method="post"' in html and f'action="{url}"' in html
    assert "csrfmiddlewaretoken" in html
    response, _ = ask(client, url, django_capture_on_commit_callbacks)
    assert response["Location"] == reverse("desk:export_job", args=[ExportJob.objects.get().pk])


def test_a_job_needs_the_csrf_token_and_the_same_rights(personas, entries, small_threshold, client):
    from django.test import Client

    guarded = Client(enforce_csrf_checks=True)
    guarded.force_login(personas.staff_x)
    assert guarded.post(export_url(personas)).status_code == 403  # a foreign site's form
    for persona, expected in (("resident_a", 404), ("staff_y", 404), ("other_county_officer", 404)):
        client.force_login(personas.by_name(persona))
        assert client.post(export_url(personas)).status_code == expected, persona
    assert not ExportJob.objects.exists()


def test_the_oversight_link_shows_the_button_and_the_job_follows_the_snapshot(
    personas, settings, login, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    settings.EXPORT_INLINE_MAX_ROWS = 0
    client = login(personas.county_officer)
    url = reverse("desk:oversight_export", args=OVERSIGHT_CSV)
    assert "生成文件" in client.get(url).content.decode() and not ExportJob.objects.exists()
    first, _ = ask(client, url, django_capture_on_commit_callbacks)
    again, _ = ask(client, url, django_capture_on_commit_callbacks)
    assert first["Location"] == again["Location"]  # the same snapshot: the same job
    cache.clear()  # the snapshot is computed again (the scheduler, 立即更新): its figures are another file
    newer, _ = ask(client, url, django_capture_on_commit_callbacks)
    assert newer["Location"] != first["Location"] and ExportJob.objects.count() == 2


# --- a render that kills its worker is not started forever ------------------------------------------------------------


def test_after_three_cut_short_attempts_the_job_fails_with_a_reason_and_the_retry_starts_afresh(
    personas, entries, small_threshold, login, django_capture_on_commit_callbacks
):
    client = login(personas.staff_x)
    response = client.post(export_url(personas))  # queued; the commit callback never runs here
    job = ExportJob.objects.get()
    for _attempt in range(exportjobs.MAX_ATTEMPTS):  # each start killed its worker mid-render
        assert exportjobs._mark_running(job.pk) is not None
    assert tasks.render_export.delay(job.pk).get() == ExportStatus.FAILED  # the message came back once more
    job.refresh_from_db()
    assert job.attempts == 3 and not job.file_name
    assert job.error.startswith("已尝试生成 3 次，每次生成都中途中断")  # the record, in Chinese
    page = client.get(response["Location"]).content.decode()
    assert "已尝试生成 3 次" in page and reverse("desk:export_retry", args=[job.pk]) in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("desk:export_retry", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE and job.attempts == 1 and job.error == ""


def test_the_sweep_stops_queueing_a_job_that_kills_its_worker(
    personas, entries, small_threshold, login, settings, monkeypatch
):
    """With a broker the sweep queues stranded jobs again; the third cut-short attempt is the last."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    queued = []
    monkeypatch.setattr(exportjobs, "queue_export", queued.append)
    login(personas.staff_x).post(export_url(personas))
    job = ExportJob.objects.get()
    stale = timezone.now() + exportjobs.REQUEUE_RUNNING_AFTER + dt.timedelta(minutes=1)
    for attempt in range(1, exportjobs.MAX_ATTEMPTS + 2):
        queued.clear()
        exportjobs.sweep(now=stale)
        if attempt == 1:
            assert queued == [job.pk]  # left queued by a broker outage
        for job_id in queued:
            exportjobs._mark_running(job_id)  # a worker takes it, and dies rendering it
        job.refresh_from_db()
    assert job.status == ExportStatus.FAILED and job.attempts == exportjobs.MAX_ATTEMPTS
    queued.clear()
    exportjobs.sweep(now=stale)
    assert queued == []  # failed: nothing queued again until the person's 重试
