"""Human-check puzzles across associations: a puzzle lives in its association's part of the
store (tenant-keyed cache), so its pictures are 404 on another association's host and its
answer passes nowhere else; wrong answers at one association pause nobody at another."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from huiji import humancheck
from huiji.errors import AppError
from tests.harness import PASSWORD, hand_trace, puzzle_answer, solved_slider


def _aged_puzzle(schema: str) -> tuple[str, int]:
    with schema_context(schema):
        puzzle_id = humancheck.challenge()["id"]
        key = humancheck.puzzle_key(puzzle_id)
        record = humancheck.store().get(key)
        record["created"] -= 2
        humancheck.store().set(key, record, humancheck.MAX_AGE)
    return puzzle_id, puzzle_answer(puzzle_id, schema)


@pytest.mark.django_db
def test_a_puzzle_of_one_association_is_unknown_at_another(alpha, beta):
    puzzle_id, x = _aged_puzzle("alpha")
    for part in ("bg.jpg", "piece.png"):
        assert Client(HTTP_HOST=beta.host).get(
            f"/human-check/{puzzle_id}/{part}").status_code == 404
        assert Client(HTTP_HOST="localhost").get(
            f"/human-check/{puzzle_id}/{part}").status_code == 404
    with schema_context("beta"), pytest.raises(AppError):
        humancheck.verify(puzzle_id, x, hand_trace(x), ip="10.7.0.1")
    with schema_context("alpha"):  # still open at alpha, where it was made
        humancheck.verify(puzzle_id, x, hand_trace(x), ip="10.7.0.1")


@pytest.mark.django_db
def test_wrong_answers_at_one_association_pause_nobody_at_another(alpha, beta, settings):
    settings.HUMAN_CHECK_FAILURES_PER_ADDRESS = 2
    for _ in range(2):
        puzzle_id, x = _aged_puzzle("alpha")
        with schema_context("alpha"), pytest.raises(AppError):
            humancheck.verify(puzzle_id, x + 40, hand_trace(x + 40), ip="10.7.0.2")
    beta_login = Client(HTTP_HOST=beta.host, REMOTE_ADDR="10.7.0.2").post("/login/", {
        "username": "beta-member", "password": PASSWORD, **solved_slider(beta.host)})
    assert beta_login.status_code == 302
