"""Files chosen on an application that comes back for correction are kept server-side: for that session and that
form only, never shown to anyone else, used when the form is sent again, and cleaned up when abandoned."""

import datetime as dt
import io
import os

from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from certificates.models import CertificateRequest, PendingUpload
from tests.certificates.test_resident_views import apply_url, kinship_post, pdf


def test_chosen_files_survive_a_validation_error_and_are_used_on_the_next_submit(personas, login):
    client = login(personas.resident_a)
    response = client.post(apply_url(), kinship_post(requesting_basis=""))
    page = response.content.decode()
    assert response.status_code == 200 and not CertificateRequest.objects.exists()
    assert "已保留" in page and "身份证正面.pdf" in page and "户口簿.pdf" in page
    assert "请重新选择文件" not in page
    assert PendingUpload.objects.count() == 3
    # sent again without choosing any file: the kept ones are the materials
    response = client.post(apply_url(), kinship_post(material_0=None, material_1=None))
    assert response.status_code == 302, response.content.decode()[:3000]
    request = CertificateRequest.objects.get()
    assert sorted(request.attachments.values_list("original_name", flat=True)) == [
        "户口簿.pdf",
        "身份证正面.pdf",
        "身份证背面.pdf",
    ]
    assert not PendingUpload.objects.exists()  # used: gone, files too
    assert not _kept_files(request.attachments.first().file.storage.location)


def _kept_files(location: str) -> list[str]:
    """Every file under pending/, whatever month folder it went to (upload_to's %Y/%m is the process's local
    time, Beijing, which is a month ahead of UTC on the last evening of a month)."""
    return [name for _root, _dirs, names in os.walk(os.path.join(location, "pending")) for name in names]


def test_a_kept_file_can_be_removed_and_a_refused_one_must_be_chosen_again(personas, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(personas.resident_a)
    fake = SimpleUploadedFile("户口簿.png", b"<html></html>", content_type="image/png")
    page = client.post(apply_url(), kinship_post(material_1=fake)).content.decode()
    assert "请重新选择文件" in page and "户口簿.png" in page
    assert list(PendingUpload.objects.values_list("original_name", flat=True)) == ["身份证正面.pdf", "身份证背面.pdf"]
    back = PendingUpload.objects.get(original_name="身份证背面.pdf")
    response = client.post(
        apply_url(), kinship_post(material_0=None, material_1=pdf("户口簿.pdf"), drop_pending=str(back.pk))
    )
    assert response.status_code == 302
    names = CertificateRequest.objects.get().attachments.values_list("original_name", flat=True)
    assert sorted(names) == ["户口簿.pdf", "身份证正面.pdf"]


def test_kept_files_belong_to_one_session_and_one_person(personas, login):
    login(personas.resident_a).post(apply_url(), kinship_post(requesting_basis=""))
    assert PendingUpload.objects.count() == 3
    # the same person in another browser: nothing kept there, the materials are asked for
    other_browser = Client()
    other_browser.force_login(personas.resident_a)
    page = other_browser.get(apply_url()).content.decode()
    assert "已保留" not in page and "身份证正面.pdf" not in page
    response = other_browser.post(apply_url(), kinship_post(material_0=None, material_1=None))
    assert response.status_code == 200 and "请上传“当事人居民身份证”" in response.content.decode()
    assert not CertificateRequest.objects.exists()
    # another resident of the same community cannot reach them either, even with the first session's cookie value
    # (rows are looked up by session AND user)
    neighbour = personas.resident_a.__class__.objects.create_user(username="neighbour", password="x" * 12)
    from portal.models import Membership
    from portal.roles import Role

    Membership.objects.create(user=neighbour, region=personas.community_x, role=Role.RESIDENT)
    stranger = Client()
    stranger.force_login(neighbour)
    assert "身份证正面.pdf" not in stranger.get(apply_url()).content.decode()
    # the kept files are not under any URL: no attachment view serves them
    assert "/pending/" not in login(personas.resident_a).get(apply_url()).content.decode()


def test_abandoned_kept_files_are_cleaned_up(personas, login):
    login(personas.resident_a).post(apply_url(), kinship_post(requesting_basis=""))
    paths = [row.file.path for row in PendingUpload.objects.all()]
    assert all(os.path.exists(path) for path in paths)
    out = io.StringIO()
    call_command("clean_pending_uploads", "--delete", stdout=out)
    assert PendingUpload.objects.count() == 3  # a form being corrected now is not touched
    PendingUpload.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    call_command("clean_pending_uploads", stdout=io.StringIO())
    assert PendingUpload.objects.count() == 3  # dry run by default
    call_command("clean_pending_uploads", "--delete", stdout=out)
    assert not PendingUpload.objects.exists() and not any(os.path.exists(path) for path in paths)
    assert "已删除 3 个暂存文件" in out.getvalue()


def test_the_orphan_cleaner_leaves_kept_files_alone(personas, login):
    login(personas.resident_a).post(apply_url(), kinship_post(requesting_basis=""))
    old = timezone.now().timestamp() - 7200
    for row in PendingUpload.objects.all():
        os.utime(row.file.path, (old, old))
    call_command("clean_orphan_uploads", "--delete", stdout=io.StringIO())
    assert all(os.path.exists(row.file.path) for row in PendingUpload.objects.all())
