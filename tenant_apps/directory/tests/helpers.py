"""Members made quickly for directory tests: an account, an activated membership (the real
service) and a record with the given values, then the directory's refresh. Journeys through
every write path are in test_write_paths.py."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django_tenants.utils import schema_context

from tenant_apps.accounts.models import Role
from tenant_apps.accounts.services import user_create

PASSWORD = "Qx-9876-passw0rd"


def quick_member(n: int, name: str, *, type_code: str = "senior", rank: str | None = None,
                 branch: str | None = None, values: dict | None = None,
                 phone: str | None = None, email: str | None = None, status: str = "active",
                 joined: dt.date | None = None, valid_until: dt.date | None = None):
    from tenant_apps.configuration.models import Branch, MemberType
    from tenant_apps.directory.services import refresh_entries
    from tenant_apps.memberships.models import Membership
    from tenant_apps.memberships.services import membership_activate
    from tenant_apps.records.models import MemberRecord

    user = user_create(acting_user=None, name=name, phone=phone or f"1371234{n:04d}",
                       email=email or f"m{n}@dir.test", roles=[Role.MEMBER])
    mtype = MemberType.objects.get(code=type_code)
    membership = membership_activate(
        acting_user=None, user=user, member_type=mtype,
        rank=mtype.ranks.get(code=rank) if rank else None, years=1,
        start=joined or dt.date(2026, 3, 1))
    changes = {"status": status}
    if valid_until:
        changes["valid_until"] = valid_until
    Membership.objects.filter(pk=membership.pk).update(**changes)
    MemberRecord.objects.create(membership=membership, values=values or {},
                                branch=Branch.objects.get(code=branch) if branch else None)
    refresh_entries([membership.pk])
    membership.refresh_from_db()
    return membership


def branch_admin(code: str, username: str):
    from tenant_apps.configuration.models import Branch

    admin = user_create(acting_user=None, name=f"{code}管理员", username=username,
                        password=PASSWORD, roles=[Role.BRANCH_ADMIN])
    Branch.objects.get(code=code).admins.add(admin)
    return admin


def client_for(user, host: str) -> Client:
    client = Client(HTTP_HOST=host)
    with schema_context(host.split(".")[0]):
        client.force_login(user, backend="tenant_apps.accounts.backends.IdentifierBackend")
    return client


def names(response) -> list[str]:
    """The members' names a list shows (API results, in order)."""
    return [row["name"] for row in response.json()["results"]]
