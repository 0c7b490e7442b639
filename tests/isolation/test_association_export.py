"""An association's export holds that association only, and its archive is reachable by the
platform's operators only: never from an association's host, never with an association's
session."""

from __future__ import annotations

import tarfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context

from shared_apps.operations.models import AssociationExport
from tenant_apps.accounts.models import User
from tenant_apps.files.services import private_file_store
from tenants.models import Association
from tests.harness import PASSWORD


@pytest.mark.django_db
def test_alpha_export_has_nothing_of_beta_and_only_operators_download_it(
        alpha, beta, django_capture_on_commit_callbacks, tmp_path):
    with schema_context("beta"):
        owner = User.objects.get(username="beta-member")
        User.objects.filter(pk=owner.pk).update(name="贝塔独有姓名")
        secret = private_file_store(
            acting_user=owner, owner=owner, content_type="application/pdf",
            uploaded=SimpleUploadedFile("beta-only.pdf", b"%PDF-1.4 beta-only-bytes"))
    operator = Client(HTTP_HOST="localhost")
    operator.post("/login/", {"username": "operator", "password": PASSWORD})
    with django_capture_on_commit_callbacks(execute=True):
        operator.post("/console/associations/alpha/exports/")
    export = AssociationExport.objects.get(association=Association.objects.get(slug="alpha"))
    path = tmp_path / "alpha.tar.gz"
    path.write_bytes(b"".join(operator.get(
        f"/console/exports/{export.public_id}/download/").streaming_content))
    with tarfile.open(path) as tar:
        names = tar.getnames()
        content = b"".join(tar.extractfile(m).read() for m in tar if m.isfile())
    assert "贝塔独有姓名".encode() not in content and b"beta-only-bytes" not in content
    assert b"beta-member" not in content
    assert not any(secret.file.name in name for name in names)
    assert b"alpha-member" in content

    url = f"/console/exports/{export.public_id}/download/"
    # On an association's host the console does not exist; its staff's session carried to
    # the platform's host is an unknown session there.
    assert alpha.client("hq_admin").get(url).status_code == 404
    carried = Client(HTTP_HOST="localhost")
    carried.cookies = alpha.client("hq_admin").cookies
    assert carried.get(url).status_code == 302  # to the operators' login
    default_storage.delete(export.file)
    with schema_context("beta"):
        default_storage.delete(secret.file.name)
