"""The scoring method of MinishLab/semble's code-search benchmark, written for this project.

The method (described in that repository's `benchmarks/`, MIT licence): NDCG@10 over the
top 10 results exactly as returned. Each task has `relevant` and `secondary` targets, both of
gain 1. A target is a repository-relative path, optionally with a line span; a result covers
it when its path matches the target's by suffix and, if the target has a span, the result's
lines overlap it. A target scores at the rank of the first result covering it (one result may
cover several targets, which then share that rank and count once). The ideal list holds as many
hits as there are findable targets (those present in the indexed tree), at most 10.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

K = 10
CATEGORIES = ("architecture", "semantic", "symbol")


@dataclass(frozen=True)
class Target:
    path: str
    start_line: int | None = None
    end_line: int | None = None

    @property
    def has_span(self) -> bool:
        return self.start_line is not None and self.end_line is not None


@dataclass(frozen=True)
class Task:
    repo: str
    query: str
    category: str
    targets: tuple[Target, ...]  # relevant first, then secondary: all gain 1


@dataclass(frozen=True)
class Hit:
    """One returned result as the scorer sees it: repository-relative path and 1-based lines."""

    path: str
    start_line: int
    end_line: int


def parse_target(raw: str | dict) -> Target:
    if isinstance(raw, str):
        return Target(raw)
    start, end = raw.get("start_line"), raw.get("end_line")
    return Target(
        str(raw["path"]),
        int(start) if start is not None else None,
        int(end) if end is not None else None,
    )


def infer_category(query: str) -> str:
    """The benchmark's rule for an annotation without a category."""
    if " " not in query.strip():
        return "symbol"
    return "architecture" if query.lower().startswith("how ") else "semantic"


def load_tasks(annotation_file: Path) -> list[Task]:
    repo = annotation_file.stem
    tasks = []
    for item in json.loads(annotation_file.read_text(encoding="utf-8")):
        category = item.get("category")
        raw_targets = [*item.get("relevant", []), *item.get("secondary", [])]
        tasks.append(
            Task(
                item.get("repo", repo),
                item["query"],
                category if isinstance(category, str) else infer_category(item["query"]),
                tuple(parse_target(t) for t in raw_targets),
            )
        )
    return tasks


def path_matches(result_path: str, target_path: str) -> bool:
    """Equal, or one is a suffix of the other at a `/` boundary (absolute vs relative)."""
    a = result_path.replace("\\", "/")
    b = target_path.replace("\\", "/")
    return a == b or a.endswith("/" + b) or b.endswith("/" + a)


def covers(hit: Hit, target: Target) -> bool:
    if not path_matches(hit.path, target.path):
        return False
    if not target.has_span:
        return True
    return hit.start_line <= target.end_line and hit.end_line >= target.start_line  # type: ignore[operator]


def target_rank(hits: list[Hit], target: Target) -> int | None:
    """1-based rank of the first hit covering `target` within the top K, else None."""
    for rank, hit in enumerate(hits[:K], start=1):
        if covers(hit, target):
            return rank
    return None


def dcg(gains: list[int]) -> float:
    return sum(gain / math.log2(i + 2) for i, gain in enumerate(gains))


def ndcg(hits: list[Hit], targets: tuple[Target, ...], findable: int, k: int = K) -> float:
    """NDCG@k of `hits` (as returned, not re-sorted); `findable` targets make the ideal."""
    if findable <= 0:
        return 0.0
    gains = [0] * k
    for target in targets:
        rank = target_rank(hits[:k], target)
        if rank is not None:
            gains[rank - 1] = 1
    return dcg(gains) / dcg([1] * min(k, findable))


def findable_targets(targets: tuple[Target, ...], tree: Path) -> int:
    """Targets whose file exists in the exported tree (and whose span starts inside it).

    `tree` is the repository's export folder: targets are relative to the repository root."""
    count = 0
    for target in targets:
        file = tree / target.path
        if not file.is_file():
            continue
        if target.has_span:
            with file.open(encoding="utf-8", errors="replace") as handle:
                lines = sum(1 for _ in handle)
            if target.start_line > lines:  # type: ignore[operator]
                continue
        count += 1
    return count
