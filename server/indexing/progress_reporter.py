"""`ProgressReporter`: turns indexing activity into begin / report / end events for listeners
(LSP work-done progress, the index CLI, the build script).

It owns the listeners, the throttle (reports come at most every REPORT_INTERVAL_S, however
many files or batches finish in between) and the embedding throughput that status turns into
files/s and an ETA. Every event carries a fresh `IndexStatus`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from server.indexing.progress import EventKind, IndexStatus, Phase, ProgressEvent, Throughput

log = logging.getLogger(__name__)

ProgressListener = Callable[[ProgressEvent], None]
REPORT_INTERVAL_S = 0.5


class ProgressReporter:
    """One begin ... end span per stretch of work, with throttled reports inside it."""

    def __init__(self, status: Callable[[], IndexStatus]) -> None:
        self._status = status
        self._listeners: list[ProgressListener] = []
        self._reporting = False
        self._last_report = 0.0
        self.files_rate = Throughput()
        self.chunks_rate = Throughput()

    def add_listener(self, callback: ProgressListener) -> None:
        self._listeners.append(callback)

    def begin(self) -> None:
        if not self._reporting:
            self._reporting = True
            self._emit("begin", "scanning", "Indexing workspace")

    def report(self, phase: Phase) -> None:
        now = time.monotonic()
        if now - self._last_report < REPORT_INTERVAL_S:
            return
        self._last_report = now
        self._emit("report", phase, "Embedding" if phase == "embedding" else "Scanning files")

    def embedded(self, chunks: int, files: int) -> None:
        """A batch reached the vector store: count it for the rates status shows, report."""
        self.chunks_rate.add(chunks)
        self.files_rate.add(files)
        self.report("embedding")

    def end(self) -> None:
        if self._reporting:
            self._reporting = False
            self._emit("end", "done", "Index complete" if self._status().complete else "Idle")

    def _emit(self, kind: EventKind, phase: Phase, message: str) -> None:
        if not self._listeners:
            return
        status = self._status()
        done = status.files_embedded if phase != "scanning" else status.files_keyword_indexed
        event = ProgressEvent(
            kind,
            phase,
            done,
            status.files_total,
            status.files_per_s,
            status.eta_s,
            message,
        )
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("progress listener failed")
