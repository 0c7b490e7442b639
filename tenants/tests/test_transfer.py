"""Export one association and restore it: under a new short name, over itself, and refusals
(a changed archive, another migration state) that change nothing."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation
from django_tenants.utils import schema_context

from huiji.audit.models import AuditEntry
from huiji.errors import AppError
from huiji.sealed import SEALED_COLUMNS, open_json
from tenant_apps.accounts.models import User
from tenant_apps.applications.models import Status
from tenant_apps.applications.services import application_start, application_submit, review_decide
from tenant_apps.applications.tests.helpers import PDF, applicant, complete
from tenant_apps.billing.models import Order, Voucher
from tenant_apps.billing.services import order_for_application, voucher_decide, voucher_upload
from tenant_apps.billing.tests.online import connect_bank
from tenant_apps.configuration.models import MemberType
from tenant_apps.files.models import PrivateFile
from tenant_apps.files.services import private_file_store
from tenant_apps.records.tests.helpers import member, provision
from tenants.models import Association, Domain
from tenants.schemas import quote, schema_exists
from tenants.transfer import (
    association_export,
    association_restore_new,
    association_restore_over,
    schema_tables,
    storage_files,
)

# A short name no other test uses; its storage folder is removed after each test.
NEW = "alpharestored"


@pytest.fixture
def media_cleanup():
    yield
    shutil.rmtree(Path(settings.MEDIA_ROOT) / "tenants" / NEW, ignore_errors=True)


def _rows(schema: str, table: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT t::text FROM {quote(schema)}.{quote(table)} t ORDER BY 1")  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


def _opened(schema: str, table: str, column: str) -> list:
    """A sealed column's values as its own association opens them."""
    with schema_context(schema), connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}"::text FROM {table} ORDER BY id')  # noqa: S608
        return [open_json(json.loads(text)) for (text,) in cursor.fetchall()]


def _files(schema: str) -> dict[str, str]:
    with schema_context(schema):
        out = {}
        for name in storage_files():
            with default_storage.open(name, "rb") as f:
                out[name] = hashlib.sha256(f.read()).hexdigest()
        return out


def _alpha_with_a_member():
    """alpha with a member who applied (answers, uploads) and was reviewed, and one more
    private upload; and an applicant who paid by bank transfer (an order, a voucher upload)
    confirmed by finance."""
    with schema_context("alpha"):
        membership = member("regular", 7301)
        note = private_file_store(acting_user=None, owner=membership.user,
                                  uploaded=SimpleUploadedFile("说明.pdf", b"%PDF-1.4\n%%EOF\n"),
                                  content_type="application/pdf")
        connect_bank()
        mtype = MemberType.objects.get(code="regular")
        app = application_start(applicant=applicant(7302), member_type=mtype)
        complete(app)
        app = application_submit(application=app, actor=app.applicant)
        staff = User.objects.get(username="rev-regular-7301")  # member()'s reviewer
        while app.status == Status.IN_REVIEW:
            app = review_decide(application=app, actor=staff, decision="approve",
                                expected_position=app.review_position)
        order = order_for_application(application=app, actor=app.applicant, years=1)
        voucher = voucher_upload(order=order, actor=app.applicant, payer_name="测试",
                                 uploaded=SimpleUploadedFile("回单.pdf", PDF))
        voucher_decide(voucher=voucher, actor=staff, accept=True)
        return membership.user.name, note.file.name


@pytest.mark.django_db
def test_export_then_restore_under_a_new_slug_has_every_row_and_file(alpha, tmp_path,
                                                                     media_cleanup):
    name, note = _alpha_with_a_member()
    with schema_context("alpha"):
        member("senior", 7303)  # a record with an ID number, sealed for alpha
    archive = tmp_path / "alpha.tar.gz"
    result = association_export(acting_user=None, association=Association.objects.get(
        slug="alpha"), path=archive)
    assert archive.stat().st_mode & 0o777 == 0o600
    assert result.tables == len(schema_tables("alpha")) and result.files >= 3

    restored = association_restore_new(acting_user=None, path=archive, slug=NEW).association
    assert restored.name == "Alpha Society" and restored.schema_name == NEW
    assert list(Domain.objects.filter(tenant=restored).values_list("domain", flat=True)) == \
        [f"{NEW}.localhost"]

    # Every table: the same set of tables, the same rows (every column, as text); the sealed
    # columns (ID numbers, payment keys) sealed again for the new schema, opening to the same.
    source_tables = [t.name for t in schema_tables("alpha")]
    assert sorted(source_tables) == sorted(t.name for t in schema_tables(NEW))
    sealed = {table for table, _column in SEALED_COLUMNS} | {"configuration_paymentaccount"}
    for table in source_tables:
        if table not in sealed:
            assert _rows(NEW, table) == _rows("alpha", table), table
    for table, column in SEALED_COLUMNS:
        assert _opened(NEW, table, column) == _opened("alpha", table, column), table
    assert "11010519491231002X" in json.dumps(_opened(NEW, "records_memberrecord", "values"))
    with schema_context(NEW):
        from tenant_apps.configuration.crypto import decrypt
        from tenant_apps.configuration.models import PaymentAccount

        new_secrets = [{k: decrypt(v) for k, v in a.secrets.items()}
                       for a in PaymentAccount.objects.order_by("pk")]
    with schema_context("alpha"):
        assert new_secrets == [{k: decrypt(v) for k, v in a.secrets.items()}
                               for a in PaymentAccount.objects.order_by("pk")]
    # Every file, by checksum.
    assert _files(NEW) == _files("alpha")

    # What a person would find there: the member, the paid order, the upload's bytes.
    with schema_context(NEW):
        person = User.objects.get(phone="13900007301")
        assert person.name == name
        # CMES 普通会员: 50 yuan a year, confirmed by finance from the voucher.
        assert list(Order.objects.filter(payer__phone="13900007302")
                    .values_list("status", "amount_fen")) == [("confirmed", 5000)]
        with Voucher.objects.get(order__payer__phone="13900007302").file.file.open("rb") as f:
            assert f.read() == PDF
        with PrivateFile.objects.get(file=note).file.open("rb") as f:
            assert f.read() == b"%PDF-1.4\n%%EOF\n"
        # Identity sequences continue after the restored rows.
        User.objects.create(username="after-restore", name="新人")
    assert AuditEntry.objects.filter(action="association.restored",
                                     target_id=str(restored.pk)).count() == 1


@pytest.mark.django_db
def test_a_demo_association_round_trips(tmp_path):
    """Jiangsu's demo (10 member units made through the real journey, applicants part-way,
    their orders, receipts, logos and scanned forms), by the management commands."""
    from tenants.demo_members import demo_members_create

    provision("jsgas")
    with schema_context("jsgas"):
        assert demo_members_create("jsgas") == 10
        orders = Order.objects.count()
        assert orders >= 10 and PrivateFile.objects.count() >= 10
    archive = tmp_path / "jsgas.tar.gz"
    call_command("association_export", "jsgas", str(archive))
    try:
        call_command("association_restore", str(archive), as_new="jsgascopy",
                     name="江苏省燃气热力协会（恢复）")
        for table in [t.name for t in schema_tables("jsgas")]:
            assert _rows("jsgascopy", table) == _rows("jsgas", table), table
        assert _files("jsgascopy") == _files("jsgas")
        assert len(_files("jsgascopy")) >= 10
        with schema_context("jsgascopy"):
            assert Order.objects.count() == orders
        assert Association.objects.get(slug="jsgascopy").name == "江苏省燃气热力协会（恢复）"
    finally:
        shutil.rmtree(Path(settings.MEDIA_ROOT) / "tenants" / "jsgascopy", ignore_errors=True)


@pytest.mark.django_db
def test_a_changed_archive_is_refused_and_nothing_is_created(alpha, tmp_path):
    archive = tmp_path / "alpha.tar.gz"
    association_export(acting_user=None, association=Association.objects.get(slug="alpha"),
                       path=archive)
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(tampered, "w:gz") as dst:
        for member_ in src:
            data = src.extractfile(member_).read()
            if member_.name == "data/accounts_user.copy":
                data = data.replace(b"alpha member", b"alpha memb3r")
            member_.size = len(data)
            dst.addfile(member_, io.BytesIO(data))
    with pytest.raises(AppError) as refused:
        association_restore_new(acting_user=None, path=tampered, slug=NEW)
    assert "data/accounts_user.copy" in str(refused.value.message)
    assert not Association.objects.filter(slug=NEW).exists() and not schema_exists(NEW)


@pytest.mark.django_db
def test_a_rewritten_manifest_is_refused(alpha, tmp_path):
    """Changing a file and its checksum in the manifest too: the signature gives it away."""
    archive = tmp_path / "alpha.tar.gz"
    association_export(acting_user=None, association=Association.objects.get(slug="alpha"),
                       path=archive)
    forged = tmp_path / "forged.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(forged, "w:gz") as dst:
        contents = {m.name: (m, src.extractfile(m).read()) for m in src}
        manifest = json.loads(contents["manifest.json"][1])
        manifest["tables"][0]["rows"] += 0  # unchanged, only re-serialised
        manifest["source"] = "someone-else"
        contents["manifest.json"] = (contents["manifest.json"][0],
                                     json.dumps(manifest).encode())
        for info, data in contents.values():
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))
    with translation.override("zh-hans"), pytest.raises(CommandError, match="归档的清单已被改动"):
        call_command("association_restore", str(forged), as_new=NEW)
    assert not Association.objects.filter(slug=NEW).exists()


@pytest.mark.django_db
def test_another_migration_state_is_refused(alpha, tmp_path):
    archive = tmp_path / "alpha.tar.gz"
    association_export(acting_user=None, association=Association.objects.get(slug="alpha"),
                       path=archive)
    with connection.cursor() as cursor:  # the code now has a migration the archive lacks
        cursor.execute(f"INSERT INTO {quote(settings.TENANT_BASE_SCHEMA)}.django_migrations "  # noqa: S608
                       "(app, name, applied) VALUES ('records', '9999_later', now())")
    with translation.override("zh-hans"), pytest.raises(AppError) as refused:
        association_restore_new(acting_user=None, path=archive, slug=NEW)
    assert "records.9999_later（归档中没有）" in str(refused.value.message)
    assert not schema_exists(NEW)


@pytest.mark.django_db
def test_restore_over_the_same_association_needs_its_name_and_puts_back_the_rows(
        alpha, tmp_path):
    archive = tmp_path / "alpha.tar.gz"
    association = Association.objects.get(slug="alpha")
    association_export(acting_user=None, association=association, path=archive)
    before = {t.name: _rows("alpha", t.name) for t in schema_tables("alpha")}
    with schema_context("alpha"):
        User.objects.filter(username="alpha-other").update(name="改过的名字")
        extra = default_storage.save("later/extra.txt", io.BytesIO(b"after the export"))
    with translation.override("zh-hans"), \
            pytest.raises(AppError, match="请输入其简称（alpha）确认"):
        association_restore_over(acting_user=None, path=archive, association=association,
                                 confirm="")
    with schema_context("alpha"):
        assert User.objects.get(username="alpha-other").name == "改过的名字"

    association_restore_over(acting_user=None, path=archive, association=association,
                             confirm="alpha")
    assert {t.name: _rows("alpha", t.name) for t in schema_tables("alpha")} == before
    with schema_context("alpha"):
        assert User.objects.get(username="alpha-other").name == "alpha other member"
        # Files the archive does not hold go after the commit; the test's transaction never
        # commits, so the file is still there and removed here by hand.
        default_storage.delete(extra)
