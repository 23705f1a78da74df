"""Uploads and issued PDFs in S3-compatible object storage (settings.S3_STORAGE), against a real S3-protocol server
on this machine: moto's server mode (ThreadedMotoServer) on a free port, started here. No MinIO binary can be
installed from the registries these machines reach.

An issued certificate read back from the store still matches the SHA-256 in the register; an upload comes back byte
for byte; nothing is public; downloads go through the views that check access; /readyz checks the store."""

from __future__ import annotations

import hashlib

import requests
from django.urls import reverse

from certificates.models import Attachment
from tests.s3 import BUCKET, free_port, s3_storage


def stored(bucket, name: str) -> bytes:
    return bucket.get_object(Bucket=BUCKET, Key=name)["Body"].read()


def test_an_issued_pdf_read_back_from_the_store_matches_the_register_hash(personas, object_storage, settings, client):
    from tests.api.conftest import issue_zm01

    certificate = issue_zm01(personas, personas.resident_a)
    keys = {item["Key"] for item in object_storage.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert certificate.pdf.name in keys
    assert not (settings.MEDIA_ROOT / certificate.pdf.name).exists()  # not on the local disk
    data = stored(object_storage, certificate.pdf.name)
    assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == certificate.sha256
    assert certificate.read_pdf() == data
    client.force_login(personas.resident_a)
    response = client.get(reverse("issuance:download", args=[certificate.entry.request_id]))
    assert response.status_code == 200 and response.content == data


def test_an_upload_round_trips_and_is_served_only_through_the_checked_view(personas, object_storage, client):
    from tests.api.conftest import PDF, issue_zm01

    request = issue_zm01(personas, personas.resident_a).entry.request
    upload = Attachment.objects.filter(request=request).first()
    assert stored(object_storage, upload.file.name) == PDF
    url = reverse("requests:attachment", args=[request.pk, upload.pk])
    client.force_login(personas.resident_a)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    client.force_login(personas.resident_b)
    assert client.get(url).status_code == 404


def test_nothing_in_the_store_is_public(personas, object_storage, s3_server):
    from django.core.files.storage import default_storage

    from tests.api.conftest import issue_zm01

    name = issue_zm01(personas, personas.resident_a).pdf.name
    grants = object_storage.get_object_acl(Bucket=BUCKET, Key=name)["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]  # the owner only: no AllUsers read
    assert not any("AllUsers" in g["Grantee"].get("URI", "") for g in grants)
    url = default_storage.url(name)  # the portal never hands one out; if code ever does, it is signed and short-lived
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=60" in url
    assert requests.get(url.split("?")[0], timeout=10).status_code == 403  # no query string, no file


def test_readyz_checks_the_object_store(client, db, object_storage, settings):
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json()["checks"]["storage"]["ok"]
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage(settings, f"http://127.0.0.1:{free_port()}")}
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["checks"]["storage"]["ok"] is False


def test_a_store_that_cannot_be_reached_gives_the_clear_download_page(personas, object_storage, settings, client):
    from tests.api.conftest import issue_zm01

    certificate = issue_zm01(personas, personas.resident_a)
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage(settings, f"http://127.0.0.1:{free_port()}")}
    client.force_login(personas.resident_a)
    response = client.get(reverse("issuance:download", args=[certificate.entry.request_id]))
    assert response.status_code != 500 and "暂时无法读取" in response.content.decode()
