"""The transition table, exhaustively, and where the chain goes next."""

from __future__ import annotations

import itertools

import pytest

from huiji.errors import AppError
from tenant_apps.applications.models import Status
from tenant_apps.applications.state import TRANSITIONS, check_transition, next_stop

ALL = list(Status.values)


@pytest.mark.parametrize(("current", "target"), list(itertools.product(ALL, ALL)))
def test_every_pair_is_either_allowed_or_refused(current, target):
    if target in TRANSITIONS[current]:
        check_transition(current, target)
    else:
        with pytest.raises(AppError) as info:
            check_transition(current, target)
        assert info.value.code == "illegal_transition"
        assert info.value.status == 409


def test_final_states_go_nowhere():
    assert TRANSITIONS[Status.COMPLETED] == frozenset()
    assert TRANSITIONS[Status.WITHDRAWN] == frozenset()


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
