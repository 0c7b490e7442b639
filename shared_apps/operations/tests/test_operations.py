"""Health in the console and on /metrics, beat runs recorded, exports from the console."""

from __future__ import annotations

import datetime as dt
import tarfile
import uuid

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

import tenant_apps.bulk.tasks  # noqa: F401  (registers bulk.expire, queued by name below)
from huiji.ops.tasks import heartbeat
from shared_apps.operations.health import beat_status
from shared_apps.operations.models import AssociationExport, BeatRun
from tenants.models import Association
from tenants.tasks import for_each_association
from tests.harness import PASSWORD


@pytest.fixture(autouse=True)
def _huiji_celery_app_is_current():
    """tests/test_celery_worker.py makes a client app of its own, which Celery then takes as
    the current one (not eager, tasks to Redis); these tests need the project's."""
    from huiji.celery import app

    app.set_current()
    yield


@pytest.fixture
def operator(db) -> Client:
    client = Client(HTTP_HOST="localhost")
    assert client.post("/login/", {"username": "operator", "password": PASSWORD}).status_code \
        == 302
    return client


@pytest.mark.django_db
def test_beat_jobs_record_their_last_run():
    heartbeat.delay()
    for_each_association.delay("bulk.expire")
    heartbeat.delay()
    runs = {r.job: r for r in BeatRun.objects.all()}
    assert set(runs) == {"heartbeat", "bulk-expire"}
    assert (runs["heartbeat"].runs, runs["heartbeat"].succeeded) == (2, True)
    assert runs["bulk-expire"].task == "tenants.for_each_association"
    assert runs["heartbeat"].finished_at >= runs["heartbeat"].started_at


@pytest.mark.django_db
def test_a_failed_run_and_a_late_job_are_shown():
    now = timezone.now()
    BeatRun.objects.create(job="outbox-sweep", task="tenants.for_each_association",
                           started_at=now - dt.timedelta(minutes=30),
                           finished_at=now - dt.timedelta(minutes=30), succeeded=True, runs=9)
    BeatRun.objects.create(job="orders-expire", task="tenants.for_each_association",
                           started_at=now - dt.timedelta(minutes=2),
                           finished_at=now - dt.timedelta(minutes=2), succeeded=False,
                           error="OperationalError: server closed the connection", runs=1)
    states = {job.name: job.state for job in beat_status(now)}
    assert states["outbox-sweep"] == "overdue"  # every minute, last started 30 minutes ago
    assert states["orders-expire"] == "failed"
    assert states["heartbeat"] == "never"


@pytest.mark.django_db
def test_health_page_for_operators_only(operator, alpha):
    BeatRun.objects.create(job="orders-expire", task="tenants.for_each_association",
                           started_at=timezone.now(), finished_at=timezone.now(),
                           succeeded=False, error="OperationalError: boom", runs=1)
    page = operator.get("/console/health/").content.decode()
    assert "平台运行状况" in page and "需要处理" in page
    assert "数据库" in page and "缓存" in page and "消息队列服务" in page
    assert "无：任务在网站进程内执行" in page  # no broker in the tests
    assert "使未付款订单过期" in page and "OperationalError: boom" in page
    assert "每 10 分钟" in page and "每天 01:30" in page
    assert "orders-expire" not in page  # the job's key is not shown, its label is
    staff = alpha.client("hq_admin")
    assert Client(HTTP_HOST="localhost").get("/console/health/").status_code == 302
    assert staff.get("/console/health/").status_code == 404  # not the console's host


@pytest.mark.django_db
def test_metrics_carry_health_and_beat_figures(client, settings):
    settings.METRICS_TOKEN = "t0ken"
    heartbeat.delay()
    text = Client().get("/metrics", HTTP_HOST="localhost",
                        HTTP_AUTHORIZATION="Bearer t0ken").content.decode()
    assert 'huiji_check_up{check="database"} 1.0' in text
    assert 'huiji_beat_last_run_success{job="heartbeat"} 1.0' in text
    assert 'huiji_beat_overdue{job="heartbeat"} 0.0' in text
    assert 'huiji_beat_last_run_timestamp_seconds{job="heartbeat"}' in text


@pytest.mark.django_db
def test_export_from_the_console(operator, alpha, django_capture_on_commit_callbacks,
                                 tmp_path):
    with django_capture_on_commit_callbacks(execute=True):
        response = operator.post("/console/associations/alpha/exports/")
    assert response.status_code == 302
    export = AssociationExport.objects.get(slug="alpha")
    assert export.status == "done" and export.tables > 50 and export.size > 0
    page = operator.get("/console/associations/alpha/exports/").content.decode()
    assert "导出 Alpha Society" in page and "可下载" in page and export.sha256 in page
    download = operator.get(f"/console/exports/{export.public_id}/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    archive = tmp_path / "got.tar.gz"
    archive.write_bytes(b"".join(download.streaming_content))
    with tarfile.open(archive) as tar:
        assert "manifest.json" in tar.getnames()
    # A second press while one is running makes no second archive: shown by the service;
    # an unknown export is 404, and so is the console for a member of an association.
    assert operator.get(f"/console/exports/{uuid.uuid4()}/download/").status_code == 404
    assert alpha.client("hq_admin").get(
        f"/console/exports/{export.public_id}/download/").status_code == 404
    # Deleted: the archive leaves storage after the commit, the row stays as a record.
    name = export.file
    with django_capture_on_commit_callbacks(execute=True):
        response = operator.post(f"/console/exports/{export.public_id}/delete/")
    assert response.status_code == 302
    assert not default_storage.exists(name)
    page = operator.get("/console/associations/alpha/exports/").content.decode()
    assert "已删除" in page and "下载" not in page.split("导出记录")[1]
    assert operator.get(f"/console/exports/{export.public_id}/download/").status_code == 404
    assert operator.post(f"/console/exports/{export.public_id}/delete/").status_code == 302
    assert operator.get(f"/console/exports/{export.public_id}/delete/").status_code == 405


@pytest.mark.django_db
def test_pages_query_counts_stay_flat(operator, alpha, django_assert_max_num_queries):
    association = Association.objects.get(slug="alpha")
    operator_user = operator.get("/console/health/").wsgi_request.user
    for n in range(30):
        AssociationExport.objects.create(public_id=uuid.uuid4(), association=association,
                                         slug="alpha", status="failed", error=f"e{n}",
                                         requested_by=operator_user)
    # the host's search path, session, user, the database check's SELECT 1, the beat runs
    with django_assert_max_num_queries(5):
        operator.get("/console/health/")
    # the search path, session, user, the association, its exports with who asked
    with django_assert_max_num_queries(5):
        page = operator.get("/console/associations/alpha/exports/").content.decode()
    assert page.count("失败") == 20  # the newest 20


@pytest.mark.django_db
def test_export_requested_twice_while_queued_is_one(alpha):
    from shared_apps.operations.services import export_request

    association = Association.objects.get(slug="alpha")
    first = export_request(acting_user=None, association=association)  # not committed: queued
    again = export_request(acting_user=None, association=association)
    assert first.pk == again.pk and AssociationExport.objects.count() == 1


@pytest.mark.django_db
def test_health_command(capsys):
    call_command("platform_health")
    out = capsys.readouterr().out
    assert "database: ok" in out and "heartbeat: never" in out


@pytest.mark.parametrize(("before", "after", "allowed"), [
    ("queued", "running", True), ("queued", "failed", True), ("running", "done", True),
    ("running", "failed", True), ("done", "deleted", True), ("queued", "done", False),
    ("done", "running", False), ("failed", "deleted", False), ("deleted", "done", False),
])
def test_export_moves(before, after, allowed):
    from huiji.errors import AppError
    from shared_apps.operations.state import check_transition

    if allowed:
        check_transition(before, after)
    else:
        with pytest.raises(AppError):
            check_transition(before, after)


@pytest.mark.django_db
def test_an_export_is_deleted_after_its_keeping_period(operator, alpha, settings,
                                                       django_capture_on_commit_callbacks):
    """An archive holds every member's personal data: the nightly job deletes it after
    ASSOCIATION_EXPORT_KEEP_DAYS, the page says when beforehand, the audit says why."""
    from shared_apps.operations.services import exports_expire

    settings.ASSOCIATION_EXPORT_KEEP_DAYS = 7
    with django_capture_on_commit_callbacks(execute=True):
        operator.post("/console/associations/alpha/exports/")
    export = AssociationExport.objects.get(slug="alpha")
    export.finished_at = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    export.save(update_fields=["finished_at"])
    page = operator.get("/console/associations/alpha/exports/").content.decode()
    assert "将于 2026-12-08 自动删除" in page
    name = export.file

    # Six days on it stays; eight days on it goes, once.
    assert exports_expire(now=dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert exports_expire(now=dt.datetime(2026, 12, 9, 9, 0, tzinfo=dt.UTC)) == 1
    assert exports_expire(now=dt.datetime(2026, 12, 9, 9, 0, tzinfo=dt.UTC)) == 0
    assert not default_storage.exists(name)
    export.refresh_from_db()
    assert export.status == "deleted"
    page = operator.get("/console/associations/alpha/").content.decode()
    assert "导出到期后自动删除" in page and "申请导出" in page
    assert "association.export" not in page
