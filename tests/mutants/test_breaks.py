"""Issue 15's four deliberate signing breaks each fail protocol tests (tests/mutants/
breaks.py applies each to a copy of the adapters and runs the tests there)."""

from __future__ import annotations

import pytest

from tests.mutants.breaks import BREAKS, run


@pytest.mark.parametrize("broken", BREAKS, ids=[b.name.split(":")[0] for b in BREAKS])
def test_the_break_fails_the_protocol_tests(broken):
    outcome = run(broken.tests, broken)
    assert outcome.errors == []  # failures of the tests, not of collecting them
    assert outcome.passed > 0
    for node in broken.must_fail:
        assert any(failed.startswith(node) for failed in outcome.failed), (
            node, outcome.failed)
