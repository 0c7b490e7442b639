"""The human check's costs (huiji/humancheck.py, huiji/puzzle.py): making a puzzle (the store
write), drawing and encoding its two pictures (done on each picture request: the store keeps a
seed, not images), their sizes, and checking an answer with its trace. In process, against the
in-memory cache; no database.

    .venv/bin/python bench/human_check.py [--samples 300]

Prints p50/p95 in milliseconds. One login page with the check costs one puzzle and two
picture requests (each draws both pictures: the piece is cut from the drawn background).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# bench/requests.py would shadow the requests library Django REST framework imports
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]
for path in (ROOT / "platform", ROOT):
    sys.path.insert(0, str(path))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huiji.settings.test")


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"p50 {statistics.median(ordered) * 1000:6.2f} ms   p95 {p95 * 1000:6.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=300)
    args = parser.parse_args()
    import django

    django.setup()
    from huiji import humancheck
    from tests.harness import hand_trace

    made, drawn, checked, sizes = [], [], [], []
    for _ in range(args.samples):
        start = time.perf_counter()
        puzzle = humancheck.challenge()
        made.append(time.perf_counter() - start)
        start = time.perf_counter()
        background, piece = humancheck.images(puzzle["id"])
        drawn.append(time.perf_counter() - start)
        sizes.append((len(background), len(piece)))
        key = humancheck.puzzle_key(puzzle["id"])
        record = humancheck.store().get(key)
        record["created"] -= 2  # as if a person had taken two seconds
        humancheck.store().set(key, record, humancheck.MAX_AGE)
        trace = hand_trace(record["x"])
        start = time.perf_counter()
        humancheck.verify(puzzle["id"], record["x"], trace, ip="10.0.0.1")
        checked.append(time.perf_counter() - start)
    print(f"human check, {args.samples} puzzles")
    print(f"  make a puzzle (store write)         {_ms(made)}")
    print(f"  draw and encode both pictures       {_ms(drawn)}")
    print(f"  check an answer and its trace       {_ms(checked)}")
    print(f"  picture sizes: background (JPEG) median "
          f"{statistics.median(s[0] for s in sizes) / 1024:.1f} KiB, piece (PNG) median "
          f"{statistics.median(s[1] for s in sizes) / 1024:.1f} KiB")


if __name__ == "__main__":
    main()
