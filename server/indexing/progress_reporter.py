"""`ProgressReporter`: turns indexing activity into begin / report / end events for listeners
(LSP work-done progress, the index CLI, the build script).

It owns the listeners, the pace of reports (at most every REPORT_INTERVAL_S however many
files or slices finish in between, and at least every HEARTBEAT_S while work runs, so a
phase with no countable steps, such as loading the model, still shows its time moving),
the clock of the current phase and the rates that status turns into speeds and ETAs.
Every event carries a fresh `IndexStatus`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from server.indexing.progress import EventKind, IndexStatus, Phase, ProgressEvent, Throughput

log = logging.getLogger(__name__)

ProgressListener = Callable[[ProgressEvent], None]
REPORT_INTERVAL_S = 0.5
HEARTBEAT_S = 1.0


class ProgressReporter:
    """One begin ... end span per stretch of work, with paced reports inside it."""

    def __init__(self, status: Callable[[], IndexStatus], phase: Callable[[], Phase]) -> None:
        """`status` builds a full snapshot; `phase` is the cheap check made for every file."""
        self._status = status
        self._phase_now = phase
        self._listeners: list[ProgressListener] = []
        self._reporting = False
        self._last_report = 0.0
        self._heartbeat: asyncio.Task[None] | None = None
        self._phase: Phase | None = None
        self._emitted_phase: Phase | None = None
        self._phase_since = time.monotonic()
        self.files_rate = Throughput()  # files embedded
        self.chunks_rate = Throughput()  # chunk vectors computed
        self.keyword_rate = Throughput(window_s=10.0)  # files through the keyword pass

    def add_listener(self, callback: ProgressListener) -> None:
        self._listeners.append(callback)

    def phase_elapsed(self, phase: Phase) -> float:
        """Seconds since `phase` began (as first seen by a status read)."""
        now = time.monotonic()
        if phase != self._phase:
            self._phase, self._phase_since = phase, now
        return now - self._phase_since

    def begin(self) -> None:
        if self._reporting:
            return
        self._reporting = True
        self._emit("begin")
        with contextlib.suppress(RuntimeError):  # no running loop: reports only on events
            self._heartbeat = asyncio.get_running_loop().create_task(self._beat())

    def report(self) -> None:
        """Something moved; listeners hear of it unless they heard very recently and the
        phase is still the one they heard of."""
        if not self._reporting:
            self.begin()
            return
        if time.monotonic() - self._last_report >= REPORT_INTERVAL_S:
            self._emit("report")
        elif self._listeners and self._phase_now() != self._emitted_phase:
            self._emit("report")

    def scanned_file(self) -> None:
        self.keyword_rate.add(1)
        self.report()

    def vectors_computed(self, chunks: int) -> None:
        """A slice of chunks left the model (stored a little later, per batch)."""
        self.chunks_rate.add(chunks)
        self.report()

    def embedded(self, chunks: int, files: int) -> None:
        """A batch reached the vector store: count its files for files/s, report."""
        self.files_rate.add(files)
        self.report()

    def end(self) -> None:
        if not self._reporting:
            return
        self._reporting = False
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            self._heartbeat = None
        self._emit("end")

    def close(self) -> None:
        """The index closes: no more reports, no heartbeat left running."""
        self._reporting = False
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            self._heartbeat = None

    async def _beat(self) -> None:
        while self._reporting:
            await asyncio.sleep(HEARTBEAT_S / 4)
            if self._reporting and time.monotonic() - self._last_report >= HEARTBEAT_S:
                self._emit("report")

    def _emit(self, kind: EventKind) -> None:
        self._last_report = time.monotonic()
        if not self._listeners:
            return
        event = ProgressEvent(kind, self._status())
        self._emitted_phase = event.status.phase
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("progress listener failed")
