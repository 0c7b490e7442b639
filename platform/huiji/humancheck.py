"""The human check: a jigsaw slider whose answer never leaves the server. No outside service.

challenge() draws a puzzle (a random seed, the gap's place) and keeps it in the `humancheck`
cache under a random id, for two minutes; the page gets the id and the two image URLs
(huiji/puzzle.py draws them, huiji/humancheck_views.py serves them), nothing else. The cache's
keys carry the association (django_tenants' key function), so a puzzle of one association is
unknown at another.

verify() takes the id, the piece's final x and the drag's trace (time, x samples from the
pointer or the arrow keys) and accepts when the puzzle exists, was not tried before, is
younger than two minutes and older than MIN_SECONDS, the piece sits in the gap within
TOLERANCE pixels and the trace looks like a hand moved it. Reading the puzzle deletes it:
every try, right or wrong, uses it up, and a second request with the same id finds nothing.
Wrong answers count per address and per identity (as the login counters do,
tenant_apps/accounts/throttle.py); past the limits the check pauses for 15 minutes.

Every refusal says the same thing, so that a script learns nothing from it about which test
failed; the reason goes to the log. What it stops and what it does not: docs/human-check.md.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import time
from itertools import pairwise

from django.conf import settings
from django.core.cache import cache, caches
from django.urls import reverse
from django.utils.translation import gettext as _

from huiji import puzzle
from huiji.errors import AppError

log = logging.getLogger(__name__)

MAX_AGE = 120  # seconds a puzzle lives
MIN_SECONDS = 0.3  # nobody sees a picture and drags a piece faster than this
TOLERANCE = 5  # pixels of the 320 px picture either side of the gap
MIN_SAMPLES = 6
MAX_SAMPLES = 600
MIN_DRAG_MS = 120
WINDOW = 15 * 60
_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_TRACE = re.compile(r"^-?\d{1,7},-?\d{1,4}(\.\d{1,2})?(;-?\d{1,7},-?\d{1,4}(\.\d{1,2})?)*$")


def store():
    """Where puzzles live: the `humancheck` cache (settings.CACHES; the default cache's kind,
    or files shared by the processes of one machine with HUMAN_CHECK_CACHE_DIR)."""
    return caches["humancheck"]


def puzzle_key(puzzle_id: str) -> str:
    return f"puzzle:{puzzle_id}"


def challenge() -> dict:
    """A new puzzle: its id and what the page shows. The answer stays in the store."""
    low, high = puzzle.target_range()
    puzzle_id = secrets.token_urlsafe(18)
    store().set(puzzle_key(puzzle_id), {
        "x": low + secrets.randbelow(high - low + 1),
        "y": puzzle.top_range()[0] + secrets.randbelow(
            puzzle.top_range()[1] - puzzle.top_range()[0] + 1),
        "seed": secrets.randbits(48), "created": time.time()}, MAX_AGE)
    return {"id": puzzle_id,
            "background": reverse("human-check-image", args=[puzzle_id, "bg.jpg"]),
            "piece": reverse("human-check-image", args=[puzzle_id, "piece.png"]),
            "width": puzzle.WIDTH, "height": puzzle.HEIGHT,
            "piece_width": puzzle.PIECE_WIDTH, "expires_in": MAX_AGE}


def images(puzzle_id: str) -> tuple[bytes, bytes] | None:
    """The background (JPEG) and the piece (PNG) of a puzzle still open, else None."""
    record = store().get(puzzle_key(puzzle_id)) if _ID.match(puzzle_id or "") else None
    if record is None:
        return None
    background, piece = puzzle.draw(record["seed"], record["x"], record["y"])
    return puzzle.jpeg(background), puzzle.png(piece)


def parse_trace(text: str) -> list[tuple[int, float]] | None:
    """`t,x;t,x;...`: milliseconds since the drag began and the piece's x, as the page sends
    them; None when malformed or too long."""
    text = (text or "").strip()
    if not text or len(text) > MAX_SAMPLES * 16 or not _TRACE.match(text):
        return None
    samples = [(int(t), float(x)) for t, x in (pair.split(",") for pair in text.split(";"))]
    return samples if len(samples) <= MAX_SAMPLES else None


def trace_problem(samples: list[tuple[int, float]], position: float,
                  elapsed: float) -> str | None:
    """Why a trace does not look like a hand's, or None. The rules a script that posts a
    made-up answer fails first; a script that fakes a pointer well passes them (see
    docs/human-check.md)."""
    if len(samples) < MIN_SAMPLES:
        return "too few samples"
    times = [t for t, _ in samples]
    places = [x for _, x in samples]
    if times[0] != 0 or abs(places[0]) > 2:
        return "does not start at rest at the left"
    if any(b < a for a, b in pairwise(times)):
        return "time goes backwards"
    duration = times[-1]
    if duration < MIN_DRAG_MS:
        return "too quick a drag"
    if duration > elapsed * 1000 + 250:
        return "longer than the puzzle has existed"
    if abs(places[-1] - position) > 2:
        return "does not end where the piece is"
    if any(x < -2 or x > puzzle.TRAVEL + 2 for x in places):
        return "outside the track"
    distance = max(abs(position), 1.0)
    if any(abs(b - a) > distance / 2 for a, b in pairwise(places)):
        return "a jump"
    # A straight line at one speed: what interpolating from start to end gives. A hand
    # speeds up and slows down, so its positions stray from the best straight line.
    mean_t, mean_x = sum(times) / len(times), sum(places) / len(places)
    spread = sum((t - mean_t) ** 2 for t in times)
    slope = sum((t - mean_t) * (x - mean_x) for t, x in samples) / spread if spread else 0.0
    if max(abs(x - (mean_x + slope * (t - mean_t))) for t, x in samples) < 1.5:
        return "a straight line at constant speed"
    return None


def _failure_keys(ip: str | None, identity: str | None) -> list[str]:
    keys = []
    if ip:
        keys.append(f"humancheck-fail:ip:{ip}")
    if identity:
        keys.append("humancheck-fail:id:"
                    + hashlib.sha256(identity.encode()).hexdigest()[:32])
    return keys


def _paused(ip: str | None, identity: str | None) -> bool:
    limits = {"ip": settings.HUMAN_CHECK_FAILURES_PER_ADDRESS,
              "id": settings.HUMAN_CHECK_FAILURES_PER_IDENTITY}
    found = cache.get_many(_failure_keys(ip, identity))
    return any(int(count) >= limits[key.split(":")[1]] for key, count in found.items())


def _record_failure(ip: str | None, identity: str | None) -> None:
    # In the cache, never in a database transaction the refusal could roll back.
    for key in _failure_keys(ip, identity):
        if not cache.add(key, 1, WINDOW):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, WINDOW)


def _take(puzzle_id: str) -> dict | None:
    """The puzzle, removed from the store: only the request whose delete removed it gets it,
    so two requests racing with one id cannot both pass."""
    if not _ID.match(puzzle_id or ""):
        return None
    record = store().get(puzzle_key(puzzle_id))
    if record is None or not store().delete(puzzle_key(puzzle_id)):
        return None
    return record


def verify(token: str, position: str | float, trace: str, *, ip: str | None,
           identity: str | None = None) -> None:
    """Accept the answer to puzzle `token` once, or raise AppError (field `human_check`).

    `identity` is the normalised identity the form is about (the login name, the phone of a
    sign-up), for the per-identity count of wrong answers; `ip` the client's address."""
    record = _take(token)
    if _paused(ip, identity):
        raise AppError("human_check_paused", _(
            "Too many wrong answers to the check. Try again in 15 minutes."),
            field="human_check", status=429)
    reason = _problem(record, position, trace)
    if reason:
        _record_failure(ip, identity)
        log.info("human check refused: %s", reason)
        raise AppError("human_check", _(
            "The check did not pass. Drag the piece into the gap of the new picture."),
            field="human_check")


def _problem(record: dict | None, position: str | float, trace: str) -> str | None:
    if record is None:
        return "unknown, expired or already used"
    elapsed = time.time() - record["created"]
    if elapsed > MAX_AGE:
        return "expired"
    if elapsed < MIN_SECONDS:
        return "answered too fast"
    try:
        value = float(position)
    except (TypeError, ValueError):
        return "no position"
    if value != value or abs(value - record["x"]) > TOLERANCE:  # NaN, or not in the gap
        return "not in the gap"
    samples = parse_trace(trace)
    if samples is None:
        return "no trace"
    return trace_problem(samples, value, elapsed)
