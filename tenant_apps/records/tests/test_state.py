"""The change-request transition table, written out by hand: every pair allowed, every pair
refused. Not derived from the table under test."""

from __future__ import annotations

import itertools

import pytest

from huiji.errors import AppError
from tenant_apps.records.state import check_transition

STATUSES = ["in_review", "approved", "rejected", "cancelled"]

# A request in review moves to the next step (in_review again), or ends; an ended one never
# moves again (the member asks anew).
ALLOWED = {
    ("in_review", "in_review"), ("in_review", "approved"), ("in_review", "rejected"),
    ("in_review", "cancelled"),
}


@pytest.mark.parametrize("pair", sorted(ALLOWED))
def test_allowed(pair):
    check_transition(*pair)


@pytest.mark.parametrize("pair", sorted(set(itertools.product(STATUSES, STATUSES)) - ALLOWED))
def test_refused(pair):
    with pytest.raises(AppError) as info:
        check_transition(*pair)
    assert (info.value.code, info.value.status) == ("already_decided", 409)


def test_twelve_pairs_are_refused():
    refused = set(itertools.product(STATUSES, STATUSES)) - ALLOWED
    assert len(refused) == 12
    assert ("approved", "in_review") in refused and ("cancelled", "approved") in refused
