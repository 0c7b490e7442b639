"""Media lives under a per-association prefix, on local disk and on S3."""

from __future__ import annotations

import socket

import boto3
import pytest
from django.core.files.base import ContentFile
from django_tenants.utils import schema_context

from huiji.storage import TenantFileSystemStorage, TenantS3Storage


@pytest.mark.django_db
def test_local_files_live_under_the_association_prefix(tmp_path, alpha, beta):
    storage = TenantFileSystemStorage(location=tmp_path)
    with schema_context("alpha"):
        name = storage.save("uploads/licence.pdf", ContentFile(b"alpha's licence"))
        assert not name.startswith("tenants/")
        assert (tmp_path / "tenants" / "alpha" / name).read_bytes() == b"alpha's licence"
        with storage.open(name) as fh:
            assert fh.read() == b"alpha's licence"
    with schema_context("beta"):
        # The same name read in another association resolves inside that one's prefix.
        assert not storage.exists(name)
        assert storage.path(name).startswith(str(tmp_path / "tenants" / "beta"))


@pytest.mark.django_db
def test_local_names_cannot_escape_the_prefix(tmp_path, alpha):
    storage = TenantFileSystemStorage(location=tmp_path)
    with schema_context("alpha"), pytest.raises(Exception, match="outside"):
        storage.path("../beta/secret.pdf")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    """A local S3-compatible server (moto in server mode) on 127.0.0.1; real boto3 calls."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.mark.django_db
def test_s3_files_live_under_the_association_prefix(s3_endpoint, alpha, beta):
    credentials = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing",
                   "region_name": "us-east-1"}
    client = boto3.client("s3", endpoint_url=s3_endpoint, **credentials)
    client.create_bucket(Bucket="huiji-media")
    storage = TenantS3Storage(bucket_name="huiji-media", endpoint_url=s3_endpoint,
                              access_key="testing", secret_key="testing",
                              region_name="us-east-1", location="media",
                              default_acl="private", querystring_auth=True,
                              file_overwrite=False)
    with schema_context("alpha"):
        name = storage.save("uploads/licence.pdf", ContentFile(b"alpha's licence"))
        with storage.open(name) as fh:
            assert fh.read() == b"alpha's licence"
        url = storage.url(name)
    keys = [o["Key"] for o in client.list_objects_v2(Bucket="huiji-media")["Contents"]]
    assert keys == [f"media/tenants/alpha/{name}"]
    assert "/media/tenants/alpha/" in url and "Signature" in url  # private: presigned only
    with schema_context("beta"):
        assert not storage.exists(name)
        with pytest.raises(Exception, match="outside"):
            storage.open(f"../alpha/{name}")
