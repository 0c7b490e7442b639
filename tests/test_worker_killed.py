"""A Celery worker killed (SIGKILL) in the middle of a task, on the real RabbitMQ broker: with
late acknowledgement (CELERY_TASK_ACKS_LATE) the broker hands the task to the next worker, and
the task's own idempotence makes the second run the only one that counts: one e-mail
delivered, one payment applied (docs/operations.md, "Faults").

The kill comes while the task waits on the provider (an SMTP server that accepted the
connection and says nothing; a payment gateway behind a gate that holds the connection), with
the outbox row or the order locked in an open transaction: PostgreSQL rolls that transaction
back when the dead worker's connection closes, so nothing of the first run remains."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context
from tenant_schemas_celery.app import CeleryApp

from tests.faults import SmtpServer, TcpGate, wait_for
from tests.harness import in_thread, require_service
from tests.test_celery_worker import database_url

ROOT = Path(__file__).resolve().parents[1]
AMQP = os.environ.get("HUIJI_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
SLUG = "wkill"

pytestmark = [pytest.mark.services, pytest.mark.django_db]


class Workers:
    """Real `celery worker` processes on one queue of their own, started and killed by the
    test; each writes its log to a file of its own."""

    def __init__(self, tmp_path: Path, env: dict):
        self.queue = f"huiji-kill-{uuid.uuid4().hex[:8]}"
        self.tmp_path, self.env, self.procs = tmp_path, env, []
        # not the current app: later tests in this process still queue their tasks eagerly
        self.app = CeleryApp("huiji-test-client", broker=AMQP, set_as_current=False)

    def start(self) -> subprocess.Popen:
        n = len(self.procs)
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "huiji.settings.test",
               "DATABASE_URL": database_url(), "CELERY_BROKER_URL": AMQP,
               # what the tasks queue themselves (a payment's messages) stays on this queue
               "CELERY_TASK_DEFAULT_QUEUE": self.queue,
               "PYTHONPATH": f"{ROOT / 'platform'}:{ROOT}", **self.env}
        env.pop("CELERY_RESULT_BACKEND", None)
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "huiji", "worker", "--pool=solo",
             "--concurrency=1", "-Q", self.queue, "--without-heartbeat", "--without-gossip",
             "--without-mingle", "-n", f"kill{n}-{self.queue}@%h", "-l", "INFO"],
            cwd=ROOT, env=env, stdout=(self.tmp_path / f"worker{n}.log").open("w"),
            stderr=subprocess.STDOUT, text=True)
        self.procs.append(proc)
        return proc

    def send(self, task: str, *args) -> None:
        with schema_context(SLUG):  # the schema travels in the message's headers
            self.app.send_task(task, args=list(args), queue=self.queue)

    def log(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self.tmp_path.glob("worker*.log")))

    def succeeded(self, task: str) -> int:
        """How many runs of `task` the workers finished (their INFO log lines)."""
        return sum(1 for line in self.log().splitlines()
                   if f"Task {task}[" in line and " succeeded in " in line)

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=30)
        try:
            with self.app.connection_for_write() as conn:
                conn.default_channel.queue_delete(self.queue)
        finally:
            self.app.close()


@pytest.fixture
def association(django_db_blocker):
    """An association of its own, committed (the workers are other processes), dropped
    afterwards."""
    require_service("127.0.0.1", 5672, "RabbitMQ")
    from tenants.models import Association
    from tenants.services import association_create, association_delete

    def create():
        connection.set_schema_to_public()
        if not Association.objects.filter(slug=SLUG).exists():
            association_create(acting_user=None, name="重投测试学会", slug=SLUG, profile="cmes",
                               admin_name="Admin", admin_email=f"a@{SLUG}.test",
                               admin_password="Admin-passw0rd-2026")

    def drop():
        connection.set_schema_to_public()
        found = Association.objects.filter(slug=SLUG).first()
        if found:
            association_delete(acting_user=None, association=found)

    in_thread(create)
    yield SLUG
    in_thread(drop)


def _in_schema(fn):
    def run():
        with schema_context(SLUG):
            return fn()
    return in_thread(run)


def test_a_worker_killed_while_sending_an_email_loses_nothing_and_sends_once(
        association, tmp_path):
    from tenant_apps.notifications.models import OutboxMessage

    smtp = SmtpServer(stall=1).start()  # the first connection hangs: the task waits there
    workers = Workers(tmp_path, {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                 "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp.port),
                                 "EMAIL_TIMEOUT": "120"})
    try:
        pk = _in_schema(lambda: OutboxMessage.objects.create(
            event="member_activated", channel="email", address="member@wkill.test",
            subject="入会成功", body="您已成为正式会员。", next_attempt_at=timezone.now()).pk)
        first = workers.start()
        workers.send("notifications.outbox_deliver", pk)
        wait_for(lambda: smtp.stalled == 1, 90, "the worker to connect to the SMTP server")
        first.kill()  # SIGKILL, mid-task: no chance to acknowledge or roll back itself
        first.wait(timeout=30)
        assert smtp.messages == []

        workers.start()  # the broker redelivers the unacknowledged task to this one
        wait_for(lambda: len(smtp.messages) == 1, 90, "the redelivered task to send it")
        row = wait_for_row(OutboxMessage, pk, lambda m: m.status == "sent")
        assert (row.status, row.attempts, row.last_error) == ("sent", 1, "")
        [mail] = smtp.messages
        assert mail["to"] == ["<member@wkill.test>"]
        # a sweep afterwards (beat's job) finds nothing to send again
        workers.send("notifications.outbox_sweep")
        wait_for(lambda: workers.succeeded("notifications.outbox_sweep") == 1, 60,
                 "the sweep to run")
        assert len(smtp.messages) == 1
    finally:
        workers.close()
        smtp.stop()


def wait_for_row(model, pk, condition, timeout: float = 60):
    found = {}

    def check():
        row = _in_schema(lambda: model.objects.get(pk=pk))
        found["row"] = row
        return condition(row)

    wait_for(check, timeout, f"{model.__name__} {pk}")
    return found["row"]


def test_a_worker_killed_while_reconciling_applies_the_payment_once(association, tmp_path):
    from huiji.payments.fake_gateway import FakePaymentGateway
    from tenant_apps.billing.models import Order, PaymentNotice
    from tenant_apps.billing.tests.online import connect_accounts
    from tenant_apps.billing.tests.test_online import credited, start, unpaid_order
    from tenant_apps.configuration.models import PaymentAccount

    fake = FakePaymentGateway().start()
    gate = TcpGate(("127.0.0.1", fake.server.server_port)).start()
    workers = Workers(tmp_path, {})
    try:
        def setup():
            connect_accounts(fake)
            account = PaymentAccount.objects.get(kind="alipay")
            account.settings["gateway_url"] = f"{gate.url}/gateway.do"
            account.save()
            order = unpaid_order(n=31)
            start(order, "alipay")
            fake.pay(order.number, send=False)  # paid; the notification is lost
            Order.objects.filter(pk=order.pk).update(
                created_at=timezone.now() - dt.timedelta(minutes=10))
            return order.number

        number = _in_schema(setup)
        gate.hold = 1  # the next connection to the gateway hangs: the query waits there
        first = workers.start()
        workers.send("billing.orders_reconcile")
        wait_for(lambda: gate.held == 1, 90, "the worker to ask the gateway")
        first.kill()
        first.wait(timeout=30)
        assert _in_schema(lambda: Order.objects.get(number=number).status) == "pending"

        workers.start()
        pk = _in_schema(lambda: Order.objects.get(number=number).pk)
        order = wait_for_row(Order, pk, lambda o: o.status == "confirmed", 90)
        # and once more, as beat would five minutes later: nothing applied twice
        workers.send("billing.orders_reconcile")
        wait_for(lambda: workers.succeeded("billing.orders_reconcile") == 2, 60,
                 "the second reconciliation")

        def outcome():
            found = Order.objects.get(pk=order.pk)
            return (found.status, credited(found), PaymentNotice.objects.filter(
                order_number=number, outcome="applied").count())

        assert _in_schema(outcome) == ("confirmed", 1, 1)
    finally:
        workers.close()
        gate.stop()
        fake.stop()
