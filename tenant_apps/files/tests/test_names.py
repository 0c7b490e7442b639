"""A stored upload is named by what it is: the extension its content shows, and a name without
control or direction characters, however the uploader named it."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from tenant_apps.applications.tests.helpers import PNG
from tenant_apps.files.services import private_file_store, shown_name


@pytest.mark.parametrize(("uploaded", "content_type", "shown"), [
    ("营业执照.png", "image/png", "营业执照.png"),
    ("scan.JPG", "image/jpeg", "scan.jpg"),
    ("photo.htaccess", "image/png", "photo.png"),
    ("\u202egnp.exe", "image/png", "gnp.png"),
    ("..\\..\\etc\\passwd", "application/pdf", "passwd.pdf"),
    ("a\x07b.pdf", "application/pdf", "ab.pdf"),
    ("", "application/pdf", "file.pdf"),
    ("报告", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
     "报告.docx"),
    # 导入会员 stores a CSV as text/csv: the import's page names the file as uploaded
    ("老会员.csv", "text/csv", "老会员.csv"),
])
def test_shown_names(uploaded, content_type, shown):
    assert shown_name(uploaded, content_type) == shown


@pytest.mark.django_db
def test_a_png_named_exe_is_stored_and_offered_as_a_png(alpha):
    with schema_context("alpha"):
        member = alpha.user("member")
        record = private_file_store(acting_user=member, owner=member,
                                    uploaded=SimpleUploadedFile("\u202egnp.exe", PNG),
                                    content_type="image/png")
        assert record.original_name == "gnp.png"
        assert record.file.name.endswith(".png")
        assert not record.file.name.endswith(".exe")
