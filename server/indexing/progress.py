"""What the index reports about itself: one status snapshot (counts, the running phase's
progress, skipped files), the begin / report / end events that carry it, and throughput.

`Progress` is the one progress model every front end renders: the `index` command's bar,
LSP `$/progress` and `/api/v1/rag/stats` all read the same fields.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from server.indexing.path_text import shown

State = Literal["idle", "indexing", "paused"]
# scanning: walking the folder; keyword: reading and chunking files (keyword-searchable);
# loading_model: loading the embedding model (or exporting it to ONNX on first start)
Phase = Literal["scanning", "keyword", "loading_model", "embedding", "done"]
EventKind = Literal["begin", "report", "end"]
SkipReason = Literal[
    "too large", "binary", "secret", "ignored", "unreadable", "outside the root", "failed"
]

PHASE_TITLES: dict[Phase, str] = {
    "scanning": "scanning",
    "keyword": "keyword pass",
    "loading_model": "loading model",
    "embedding": "embedding",
    "done": "done",
}
SKIPPED_LISTED = 500  # skipped files named in a status; `count` and `by_reason` cover all


@dataclass(frozen=True)
class Progress:
    """The running phase: `done` of `total` `unit`s (total None: not known yet, as while
    walking the folder or loading the model), its rate, ETA and time spent so far."""

    phase: Phase
    detail: str
    done: int
    total: int | None
    unit: str  # "files", "chunks" or "" (model loading)
    rate: float  # units per second over the last seconds
    eta_s: float | None
    elapsed_s: float

    @property
    def percentage(self) -> int | None:
        if self.total is None:
            return None
        return 100 if not self.total else min(100, int(100 * self.done / self.total))

    def describe(self) -> str:
        """One line for a log: `embedding: 320/485 chunks, 35.1 chunks/s, ETA 5s`."""
        details = self.details()
        return f"{PHASE_TITLES[self.phase]}: {details}" if details else PHASE_TITLES[self.phase]

    def details(self) -> str:
        """The line without the phase, for where a title names it (LSP `$/progress`):
        `onnxruntime, 4s`, `320/485 chunks, 35.1 chunks/s, ETA 5s`."""
        parts = [self.detail] if self.detail else []
        if self.unit:
            count = f"{self.done}/{self.total}" if self.total is not None else f"{self.done}"
            parts.append(f"{count} {self.unit}")
        if self.rate:
            parts.append(f"{self.rate:.1f} {self.unit}/s")
        if self.eta_s:
            parts.append(f"ETA {self.eta_s:.0f}s")
        elif self.phase != "done" and (self.total is None or not self.rate):
            parts.append(f"{self.elapsed_s:.0f}s")
        return ", ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "percentage": self.percentage}


@dataclass(frozen=True)
class SkippedFile:
    """A file (or a folder, path ending in `/`) left out of the index, and why."""

    path: str
    reason: SkipReason
    detail: str = ""


@dataclass(frozen=True)
class Skipped:
    """Every skipped file counted by reason; the first SKIPPED_LISTED named."""

    count: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)
    files: tuple[SkippedFile, ...] = ()

    @classmethod
    def of(cls, skipped: dict[str, SkippedFile]) -> Skipped:
        """Paths as text (`shown`): a name that is not UTF-8 is listed, `\\xNN` for its bytes."""
        items = sorted(
            (replace(s, path=shown(s.path)) for s in skipped.values()),
            key=lambda s: (s.reason, s.path),
        )
        by_reason: dict[str, int] = {}
        for item in items:
            by_reason[item.reason] = by_reason.get(item.reason, 0) + 1
        return cls(len(items), by_reason, tuple(items[:SKIPPED_LISTED]))

    def summary(self) -> str:
        """`5 skipped: 2 ignored, 1 binary, 1 secret, 1 too large` ("" when none)."""
        if not self.count:
            return ""
        parts = ", ".join(f"{n} {reason}" for reason, n in sorted(self.by_reason.items()))
        return f"{self.count} skipped: {parts}"


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
    progress: Progress | None = None
    skipped: Skipped = Skipped()

    def to_json(self) -> dict[str, Any]:
        document = asdict(self)
        if self.progress is not None:
            document["progress"] = self.progress.to_json()
        return document


@dataclass(frozen=True)
class ProgressEvent:
    """begin / report / end, each with a fresh status (its `progress` is what to show)."""

    kind: EventKind
    status: IndexStatus

    @property
    def progress(self) -> Progress:
        assert self.status.progress is not None, "the index always sets progress"
        return self.status.progress


class Throughput:
    """Items per second over a sliding window, for rates and ETAs."""

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
