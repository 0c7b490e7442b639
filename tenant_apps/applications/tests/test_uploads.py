"""Uploads are checked by content, size and count; a refused file stores nothing."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from huiji.errors import AppError
from tenant_apps.applications.services import (
    application_add_upload,
    application_remove_upload,
    application_start,
)
from tenant_apps.applications.tests.helpers import PDF, PNG, applicant
from tenant_apps.configuration.models import MemberType
from tenant_apps.files.models import PrivateFile
from tenant_apps.files.sniff import sniff
from tenants.models import Association
from tenants.services import association_create


@pytest.fixture
def jsgas_application(db):
    if not Association.objects.filter(slug="jsgas").exists():
        association_create(acting_user=None, name="江苏", slug="jsgas", profile="jsgas",
                           admin_name="Admin", admin_email="a@jsgas.test",
                           admin_password="Admin-passw0rd-2026")
    with schema_context("jsgas"):
        yield application_start(applicant=applicant(),
                                member_type=MemberType.objects.get(code="unit"))


def _zip(names: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in names.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(("content", "kind"), [
    (PNG, "image"), (PDF, "pdf"), (b"\xff\xd8\xff\xe0" + b"0" * 20, "image"),
    (b"MZ\x90\x00" + b"0" * 60, "executable"), (b"\x7fELF\x02\x01", "executable"),
    (_zip({"[Content_Types].xml": b"x", "word/document.xml": b"x"}), "document"),
    (_zip({"notes.txt": b"hello"}), "archive"), (_zip({"setup.exe": b"MZ"}), "executable"),
    (b"hello world", "unknown"),
])
def test_sniffing_by_content(content, kind):
    assert sniff(io.BytesIO(content)).kind == kind


def test_renamed_executable_is_refused_and_nothing_stored(jsgas_application):
    app = jsgas_application
    before = PrivateFile.objects.count()
    with pytest.raises(AppError) as info:
        application_add_upload(application=app, actor=app.applicant,
                               requirement="business_licence",
                               uploaded=SimpleUploadedFile("营业执照.jpg",
                                                           b"MZ\x90\x00" + b"0" * 64))
    assert info.value.code == "file_kind"
    assert "JPG、PNG" in str(info.value.message)  # the formats the page names
    assert PrivateFile.objects.count() == before
    assert app.uploads.count() == 0


def test_oversized_file_is_refused(jsgas_application):
    app = jsgas_application
    spec_mb = 5  # 会员登记表: 5 MB
    content = PDF + b"0" * (spec_mb * 1024 * 1024)
    with pytest.raises(AppError) as info:
        application_add_upload(application=app, actor=app.applicant,
                               requirement="member_registration_form",
                               uploaded=SimpleUploadedFile("登记表.pdf", content))
    assert info.value.code == "file_too_large"
    assert "5 MB" in str(info.value.message)
    assert app.uploads.count() == 0


def test_count_limit_and_removal(jsgas_application):
    app = jsgas_application
    upload = application_add_upload(application=app, actor=app.applicant,
                                    requirement="business_licence",
                                    uploaded=SimpleUploadedFile("a.png", PNG))
    with pytest.raises(AppError) as info:
        application_add_upload(application=app, actor=app.applicant,
                               requirement="business_licence",
                               uploaded=SimpleUploadedFile("b.png", PNG))
    assert info.value.code == "too_many_files"
    stored = upload.file
    application_remove_upload(application=app, actor=app.applicant, upload_id=upload.pk)
    assert not PrivateFile.objects.filter(pk=stored.pk).exists()


def test_someone_else_cannot_upload_to_an_application(jsgas_application):
    from huiji.errors import Forbidden

    app = jsgas_application
    with pytest.raises(Forbidden):
        application_add_upload(application=app, actor=applicant(2),
                               requirement="business_licence",
                               uploaded=SimpleUploadedFile("a.png", PNG))
