"""What the index reports about itself: status snapshots, progress events, throughput."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any, Literal

State = Literal["idle", "indexing", "paused"]
Phase = Literal["scanning", "embedding", "done"]
EventKind = Literal["begin", "report", "end"]


@dataclass(frozen=True)
class IndexStatus:
    """How far the index is; `complete` means every file is keyword-indexed and embedded."""

    files_total: int
    files_keyword_indexed: int
    files_embedded: int
    chunks: int
    chunks_embedded: int
    state: State
    phase: Phase
    files_per_s: float
    eta_s: float | None
    complete: bool
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ProgressEvent:
    """begin / report / end, shaped for LSP `$/progress` work-done reports."""

    kind: EventKind
    phase: Phase
    files_done: int
    files_total: int
    files_per_s: float
    eta_s: float | None
    message: str

    @property
    def percentage(self) -> int:
        return 100 if not self.files_total else int(100 * self.files_done / self.files_total)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "percentage": self.percentage}


class Throughput:
    """Items per second over a sliding window, for files/s and the ETA."""

    def __init__(self, window_s: float = 30.0) -> None:
        self.window_s = window_s
        self._marks: deque[tuple[float, int]] = deque()

    def add(self, count: int, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self._marks.append((now, count))
        while self._marks and now - self._marks[0][0] > self.window_s:
            self._marks.popleft()

    def rate(self, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        while self._marks and now - self._marks[0][0] > self.window_s:
            self._marks.popleft()
        if len(self._marks) < 2:
            return 0.0
        span = now - self._marks[0][0]
        done = sum(count for _, count in list(self._marks)[1:])
        return done / span if span > 0 else 0.0

    def eta(self, remaining: int, now: float | None = None) -> float | None:
        if remaining <= 0:
            return 0.0
        rate = self.rate(now)
        return remaining / rate if rate > 0 else None
