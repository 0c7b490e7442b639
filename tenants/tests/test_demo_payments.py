"""The demo's payment wiring: keys and merchants shared with the fake gateway process through
a state file, so a payment made on the demo is verified like a real one."""

from __future__ import annotations

import json

import pytest
from django_tenants.utils import schema_context

from huiji.payments.fake_gateway import FakePaymentGateway
from tenant_apps.applications.tests.helpers import applicant
from tenant_apps.billing.payments import payment_notified, payment_start
from tenant_apps.billing.services import order_for_renewal
from tenant_apps.configuration.models import MemberType
from tenant_apps.memberships.services import membership_activate
from tenants.demo_payments import connect_demo_payments


@pytest.mark.django_db
def test_a_gateway_started_from_the_state_file_knows_the_demo_merchants(alpha, settings,
                                                                       tmp_path):
    settings.DATA_DIR = tmp_path
    probe = FakePaymentGateway()  # only for a free port: the real one starts from the file
    url = f"http://127.0.0.1:{probe.server.server_port}"
    probe.server.server_close()
    path = connect_demo_payments(["alpha"], gateway_url=url)
    assert oct(path.stat().st_mode)[-3:] == "600"  # private keys inside
    state = json.loads(path.read_text("utf-8"))
    gateway = FakePaymentGateway(port=int(url.rsplit(":", 1)[1]), state=state).start()
    try:
        with schema_context("alpha"):
            member = applicant(95)
            membership = membership_activate(
                acting_user=None, user=member, member_type=MemberType.objects.get(
                    code="regular"), rank=None, years=1)
            order = order_for_renewal(membership=membership, actor=member, years=1)
            start = payment_start(order=order, actor=member, method="wechat", scene="native",
                                  notify_url="http://alpha.localhost/payments/notify/wechat/")
            assert start.qr_code.startswith(f"{url}/scan/wechat/")
            gateway.pay(order.number, send=False)
            headers, body = gateway.notification(order.number)
            assert payment_notified(method="wechat", headers=headers, body=body).outcome == \
                "applied"
        assert connect_demo_payments(["alpha"], gateway_url=url) == path  # idempotent
        assert json.loads(path.read_text("utf-8"))["wechat_merchants"] == \
            state["wechat_merchants"]
    finally:
        gateway.stop()
