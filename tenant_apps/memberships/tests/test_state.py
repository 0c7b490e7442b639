"""The membership transition table, written out by hand: every pair allowed, every pair
refused. Not derived from the table under test."""

from __future__ import annotations

import itertools

import pytest

from huiji.errors import AppError
from tenant_apps.memberships.state import check_staff_move, check_transition

STATUSES = ["active", "overdue", "suspended", "lapsed", "withdrawn"]

ALLOWED = {
    ("active", "overdue"), ("active", "suspended"), ("active", "lapsed"),
    ("active", "withdrawn"),
    ("overdue", "active"), ("overdue", "suspended"), ("overdue", "lapsed"),
    ("overdue", "withdrawn"),
    ("suspended", "active"), ("suspended", "overdue"), ("suspended", "lapsed"),
    ("suspended", "withdrawn"),
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
    # suspension or another ending. (A suspended one goes back to grace when staff reinstate
    # a member whose validity has ended.)
    refused = set(itertools.product(STATUSES, STATUSES)) - ALLOWED
    assert len(refused) == 11
    assert {("lapsed", "withdrawn"), ("withdrawn", "lapsed"), ("active", "active")} <= refused


# What staff do by hand on the member page: (action, from, to).
STAFF_ALLOWED = {
    ("suspend", "active", "suspended"), ("suspend", "overdue", "suspended"),
    ("reinstate", "suspended", "active"), ("reinstate", "suspended", "overdue"),
}


@pytest.mark.parametrize("move", sorted(STAFF_ALLOWED))
def test_staff_moves_allowed(move):
    check_staff_move(*move)


@pytest.mark.parametrize("move", sorted(
    set(itertools.product(["suspend", "reinstate"], STATUSES, STATUSES)) - STAFF_ALLOWED))
def test_staff_moves_refused(move):
    with pytest.raises(AppError) as info:
        check_staff_move(*move)
    assert info.value.status == 409
    assert info.value.code in ("not_suspendable", "not_suspended", "dates_say_otherwise")
