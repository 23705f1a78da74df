"""A real S3-protocol server for tests: moto's server mode (ThreadedMotoServer) on a free port of 127.0.0.1, one per
test module, and the portal's production storage settings (settings.S3_STORAGE) pointed at it. Import the fixtures
into a test module to use them."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import boto3
import pytest

BUCKET = "portal-test"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_server):
    client = boto3.client("s3", endpoint_url=s3_server, **CREDENTIALS)
    client.create_bucket(Bucket=BUCKET)
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def s3_storage(settings, endpoint: str) -> dict:
    """The production storage settings (settings.S3_STORAGE), pointed at the local server."""
    options = {
        **settings.S3_STORAGE["OPTIONS"],
        "bucket_name": BUCKET,
        "endpoint_url": endpoint,
        "access_key": "testing",
        "secret_key": "testing",
        "region_name": "us-east-1",
    }
    return {**settings.S3_STORAGE, "OPTIONS": options}


@pytest.fixture
def object_storage(settings, s3_server, bucket, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage(settings, s3_server)}
    return bucket
