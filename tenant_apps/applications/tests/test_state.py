"""The transition table, exhaustively, and where the chain goes next."""

from __future__ import annotations

import itertools

import pytest

from huiji.errors import AppError
from tenant_apps.applications.models import Status
from tenant_apps.applications.state import TRANSITIONS, check_transition, next_stop

ALL = list(Status.values)


# Written out by hand, not read from the table under test.
ALLOWED = {
    ("draft", "in_review"), ("draft", "awaiting_payment"), ("draft", "completed"),
    ("draft", "withdrawn"),
    ("in_review", "in_review"), ("in_review", "awaiting_payment"), ("in_review", "completed"),
    ("in_review", "returned"), ("in_review", "rejected"), ("in_review", "withdrawn"),
    ("returned", "in_review"), ("returned", "awaiting_payment"), ("returned", "completed"),
    ("returned", "withdrawn"),
    ("rejected", "in_review"), ("rejected", "awaiting_payment"), ("rejected", "completed"),
    ("rejected", "withdrawn"),
    ("awaiting_payment", "payment_review"), ("awaiting_payment", "in_review"),
    ("awaiting_payment", "completed"), ("awaiting_payment", "withdrawn"),
    ("payment_review", "awaiting_payment"), ("payment_review", "in_review"),
    ("payment_review", "completed"),
}
STATUSES = ["draft", "in_review", "returned", "rejected", "awaiting_payment", "payment_review",
            "completed", "withdrawn"]


def test_the_statuses_are_these():
    assert sorted(ALL) == sorted(STATUSES)


@pytest.mark.parametrize("pair", sorted(ALLOWED))
def test_allowed(pair):
    check_transition(*pair)


@pytest.mark.parametrize("pair", sorted(set(itertools.product(STATUSES, STATUSES)) - ALLOWED))
def test_refused(pair):
    with pytest.raises(AppError) as info:
        check_transition(*pair)
    assert info.value.code == "illegal_transition"
    assert info.value.status == 409


def test_final_states_go_nowhere():
    assert TRANSITIONS[Status.COMPLETED] == frozenset()
    assert TRANSITIONS[Status.WITHDRAWN] == frozenset()
    # money under confirmation cannot be walked away from
    with pytest.raises(AppError):
        check_transition("payment_review", "withdrawn")


BEFORE = {"name": "审核", "role": "hq_reviewer", "stage": "before_payment"}
AFTER = {"name": "确认", "role": "finance", "stage": "after_payment"}


@pytest.mark.parametrize(("chain", "start", "paid", "fee", "expected"), [
    ([], 0, False, False, (Status.COMPLETED, None)),             # CMES student
    ([], 0, False, True, (Status.AWAITING_PAYMENT, 0)),          # pay, then member
    ([BEFORE, AFTER], 0, False, True, (Status.IN_REVIEW, 0)),    # CMES senior: review first
    ([BEFORE, AFTER], 1, False, True, (Status.AWAITING_PAYMENT, 1)),  # then pay
    ([BEFORE, AFTER], 1, True, True, (Status.IN_REVIEW, 1)),     # then confirmation
    ([BEFORE, AFTER], 2, True, True, (Status.COMPLETED, None)),
    ([AFTER], 0, False, True, (Status.AWAITING_PAYMENT, 0)),     # CMES regular: pay first
    ([AFTER], 0, False, False, (Status.IN_REVIEW, 0)),           # free: no payment step
    ([BEFORE], 1, False, True, (Status.AWAITING_PAYMENT, 1)),
])
def test_next_stop(chain, start, paid, fee, expected):
    stop = next_stop(chain, start=start, paid=paid, fee_due=fee)
    assert (stop.status, stop.position) == expected
