"""The login identifier is resolved by one indexed lookup per way of naming an account
(username, email, phone, member number in any case, unit name, a contact's mobile), never an
OR through the membership's join: the same accounts as before, an identifier that names two
accounts in two ways still names neither, and PostgreSQL answers the member number from the
UPPER(number) index."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from tenant_apps.accounts.selectors import account_for_identifier
from tenant_apps.accounts.services import user_create
from tenant_apps.configuration.models import MemberType
from tenant_apps.memberships.services import membership_activate
from tests.harness import PASSWORD


@pytest.mark.django_db
def test_each_way_finds_its_account_and_two_ways_to_two_accounts_find_neither(alpha):
    with schema_context("alpha"):
        zhao = user_create(acting_user=None, name="赵六", phone="13955550001", username="zhao6",
                           email="zhao@example.test", password=PASSWORD)
        number = membership_activate(acting_user=None, user=zhao, member_type=MemberType
                                     .objects.get(code="regular"), rank=None, years=1).number
        assert account_for_identifier("139 5555 0001") == zhao
        assert account_for_identifier("ZHAO@example.test") == zhao
        assert account_for_identifier(number.lower()) == zhao
        # another account whose username is zhao's phone: the phone names two accounts
        user_create(acting_user=None, name="孙七", username="13955550001",
                    email="sun@example.test", password=PASSWORD)
        assert account_for_identifier("13955550001") is None
        assert account_for_identifier("zhao@example.test") == zhao
        with CaptureQueriesContext(connection) as captured:
            account_for_identifier("nobody-by-this-name")
        assert len(captured) <= 8  # one per way (and the settings), whatever the rows


@pytest.mark.django_db
def test_the_member_number_is_looked_up_through_its_index(alpha):
    with schema_context("alpha"), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN SELECT id FROM memberships_membership "
                       "WHERE UPPER(number::text) = UPPER(%s)", ["e000000001m"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "membership_number_upper" in plan
