"""Distinct places first: one file may not fill the result list while other files score
comparably; grouped by file, each file appears once (for "which file" questions).

Scores are the reranker's probabilities (or RRF sums without it): positive, and only their
ratios are comparable across queries. So each further result from a file already in the list
has its score multiplied by `FILE_DECAY` once per earlier result from that file: a second
result of a file comes before another file's best only when it scores 2.5 times as high. On
the development benchmark (docs/benchmarks.md) 0.5 took the top 10 from 2.7 to 5.4 distinct
files, milder discounts (0.8, 0.6) kept less of the gain, and 0.4 added 0.005 at a cost of
0.001 on the full stdlib task, whose targets are single functions (0.2: -0.014 there).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

FILE_DECAY = 0.4


def diversify(
    items: Sequence[T],
    score: Callable[[T], float],
    path: Callable[[T], str],
    k: int,
    decay: float = FILE_DECAY,
) -> list[tuple[T, float]]:
    """The top `k` of `items` with their discounted scores, best first.

    Greedy: the next result is the one with the best score after its file's discount; the
    discount depends only on results already chosen, so the output's scores never increase.
    """
    if not 0.0 < decay <= 1.0:
        raise ValueError(f"file decay must be in (0, 1], not {decay}")
    pending = sorted(items, key=score, reverse=True)
    chosen: list[tuple[T, float]] = []
    per_file: dict[str, int] = {}
    while pending and len(chosen) < k:
        best_i, best = 0, float("-inf")
        for i, item in enumerate(pending):
            s = score(item)
            if s <= best:
                break  # sorted: no later item can beat the best discounted score
            discounted = s * decay ** per_file.get(path(item), 0)
            if discounted > best:
                best_i, best = i, discounted
        item = pending.pop(best_i)
        chosen.append((item, best))
        per_file[path(item)] = per_file.get(path(item), 0) + 1
    return chosen


def best_per_file(
    items: Sequence[T], score: Callable[[T], float], path: Callable[[T], str], k: int
) -> list[T]:
    """Grouped by file: each file once, as its best item; the best `k` files."""
    seen: set[str] = set()
    out: list[T] = []
    for item in sorted(items, key=score, reverse=True):
        if path(item) not in seen:
            seen.add(path(item))
            out.append(item)
    return out[:k]
