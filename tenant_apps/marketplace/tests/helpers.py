"""Marketplace test data: the offer switched on in the test association as Jiangsu's profile
has it, members with memberships, posts made through the services."""

from __future__ import annotations

import datetime as dt
import uuid

from django.test import Client
from django.utils import timezone

from tenant_apps.configuration.models import AssociationSettings, MemberType
from tenant_apps.marketplace.models import Post

MARKET = {"enabled": True, "kinds": ["supply", "demand", "product"],
          "categories": [{"code": "gas_equipment", "name": "燃气设备"},
                         {"code": "pipes", "name": "管材管件"}],
          "province": "320000", "max_valid_days": 365, "max_images": 3,
          "contacts_per_day": 2}
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
       b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00"
       b"\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def market_on(**changes) -> None:
    AssociationSettings.objects.update_or_create(singleton=True,
                                                 defaults={"marketplace": {**MARKET, **changes}})


def member(n: int, name: str):
    """A user with a membership in force (alpha's CMES type 普通会员)."""
    from tenant_apps.applications.tests.helpers import applicant
    from tenant_apps.memberships.services import membership_activate

    user = applicant(n, name=name)
    membership_activate(acting_user=None, user=user, rank=None, years=1,
                        member_type=MemberType.objects.get(code="regular"))
    user.refresh_from_db()
    return user


def data(**changes) -> dict:
    return {"kind": "supply", "title": "供应PE燃气管材", "category": "pipes", "region": "320100",
            "description": "DN32-DN315\n现货供应", "contact_name": "王经理",
            "contact_phone": "13912340000", "contact_email": "", "show_contact": True,
            "valid_until": timezone.localdate() + dt.timedelta(days=30), **changes}


def post(author, *, published: bool = True, **changes) -> Post:
    from tenant_apps.accounts.models import User
    from tenant_apps.marketplace.services import post_approve, post_create

    made = post_create(acting_user=author, data=data(**changes), images=[], token=uuid.uuid4())
    if published:
        staff = User.objects.get(username="alpha-hq_admin")
        made = post_approve(acting_user=staff, post=made)
    return made


def client_for(site, user) -> Client:
    from django_tenants.utils import schema_context

    client = Client(HTTP_HOST=site.host)
    with schema_context(site.slug):
        client.force_login(user, backend="tenant_apps.accounts.backends.IdentifierBackend")
    return client
