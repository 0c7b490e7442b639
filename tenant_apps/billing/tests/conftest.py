"""Fixtures of the online-payment tests: the fake gateway, and the CMES association with its
WeChat Pay and Alipay accounts connected to it."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from huiji.payments.fake_gateway import FakePaymentGateway
from tenant_apps.billing.tests.online import connect_accounts
from tenants.models import Association
from tenants.services import association_create


@pytest.fixture(scope="module")
def fake():
    gateway = FakePaymentGateway().start()
    yield gateway
    gateway.stop()


@pytest.fixture
def cmes(db, fake):
    if not Association.objects.filter(slug="cmes").exists():
        association_create(acting_user=None, name="中国机械工程学会", slug="cmes",
                           profile="cmes", admin_name="Admin", admin_email="a@cmes.test",
                           admin_password="Admin-passw0rd-2026")
    with schema_context("cmes"):
        connect_accounts(fake)
        yield
