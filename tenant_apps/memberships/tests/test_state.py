"""The membership transition table, written out by hand: every pair allowed, every pair
refused. Not derived from the table under test."""

from __future__ import annotations

import itertools

import pytest

from huiji.errors import AppError
from tenant_apps.memberships.state import check_transition

STATUSES = ["active", "overdue", "suspended", "lapsed", "withdrawn"]

ALLOWED = {
    ("active", "overdue"), ("active", "suspended"), ("active", "lapsed"),
    ("active", "withdrawn"),
    ("overdue", "active"), ("overdue", "suspended"), ("overdue", "lapsed"),
    ("overdue", "withdrawn"),
    ("suspended", "active"), ("suspended", "lapsed"), ("suspended", "withdrawn"),
    ("lapsed", "active"),
    ("withdrawn", "active"),
}


@pytest.mark.parametrize("pair", sorted(ALLOWED))
def test_allowed(pair):
    check_transition(*pair)


@pytest.mark.parametrize("pair", sorted(set(itertools.product(STATUSES, STATUSES)) - ALLOWED))
def test_refused(pair):
    with pytest.raises(AppError) as info:
        check_transition(*pair)
    assert (info.value.code, info.value.status) == ("illegal_membership_transition", 409)


def test_the_refused_list_is_what_it_should_be():
    # Staying put is never a move; a lapsed or withdrawn member does not go back to grace,
    # suspension or another ending; a suspended one never back to grace.
    refused = set(itertools.product(STATUSES, STATUSES)) - ALLOWED
    assert len(refused) == 12
    assert {("lapsed", "withdrawn"), ("suspended", "overdue"), ("withdrawn", "lapsed"),
            ("active", "active")} <= refused
