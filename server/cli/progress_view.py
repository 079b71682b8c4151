"""How `auro-pai index` shows the index's progress on stderr: a live bar per phase on a
terminal (rich), plain lines when stderr is not a terminal (logs, CI).

Both render the index's one progress model (`server.indexing.progress.Progress`). While a
bar is live, log lines are printed above it instead of through it.
"""

from __future__ import annotations

import logging
import sys
import time
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any, Protocol

from server.indexing.progress import PHASE_TITLES, Phase, Progress, ProgressEvent

PLAIN_EVERY_S = 5.0  # plain lines: at each phase change, else at most this often


class ProgressView(AbstractContextManager["ProgressView"], Protocol):
    def show(self, event: ProgressEvent) -> None: ...


def progress_view(opening: str) -> ProgressView:
    """The view that suits stderr; `opening` names what happens before the first event."""
    return TerminalView(opening) if sys.stderr.isatty() else PlainView(opening)


def _count(progress: Progress) -> str:
    if not progress.unit:
        return ""
    total = "" if progress.total is None else f"/{progress.total}"
    return f"{progress.done}{total} {progress.unit}"


def _speed(progress: Progress) -> str:
    return f"{progress.rate:.1f} {progress.unit}/s" if progress.rate else ""


def _eta(progress: Progress) -> str:
    return f"ETA {progress.eta_s:.0f}s" if progress.eta_s else ""


def _title(progress: Progress) -> str:
    title = PHASE_TITLES[progress.phase]
    return f"{title} ({progress.detail})" if progress.detail else title


class PlainView:
    """One line per phase (and per step of one, such as the ONNX export), and one every
    PLAIN_EVERY_S within a long one."""

    def __init__(self, opening: str) -> None:
        self._opening = opening
        self._step: tuple[Phase, str] | None = None
        self._last = 0.0

    def __enter__(self) -> PlainView:
        self._write(self._opening)
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def show(self, event: ProgressEvent) -> None:
        progress = event.progress
        now = time.monotonic()
        if progress.phase == "done" and event.kind != "end":
            return
        step = (progress.phase, progress.detail)
        if step != self._step or now - self._last >= PLAIN_EVERY_S:
            self._step, self._last = step, now
            self._write(progress.describe())

    @staticmethod
    def _write(line: str) -> None:
        sys.stderr.write(f"auro-pai: {line}\n")
        sys.stderr.flush()


class TerminalView:
    """rich's live progress display: a finished line per phase done, a bar for the one
    running (pulsing while its total is not known), elapsed time ticking throughout."""

    def __init__(self, opening: str) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress as Bars,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self._bars = Bars(
            SpinnerColumn(finished_text="[green]✓"),
            TextColumn("{task.description}"),
            BarColumn(bar_width=24),
            TextColumn("{task.fields[count]}"),
            TextColumn("{task.fields[speed]}"),
            TextColumn("{task.fields[eta]}"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            redirect_stderr=True,
            refresh_per_second=8,
        )
        self._step: tuple[Phase, str] | None = None
        self._last: Progress | None = None
        self._task = self._bars.add_task(opening, total=None, count="", speed="", eta="")
        self._handlers: list[tuple[logging.StreamHandler[Any], Any]] = []

    def __enter__(self) -> TerminalView:
        self._bars.start()
        # log lines go through rich's stderr proxy, which prints them above the bars
        for handler in logging.getLogger().handlers:
            if getattr(handler, "auro_stderr", False) and isinstance(
                handler, logging.StreamHandler
            ):
                self._handlers.append((handler, handler.setStream(sys.stderr)))
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._finish()
        for handler, stream in self._handlers:
            handler.setStream(stream)
        self._bars.stop()

    def show(self, event: ProgressEvent) -> None:
        progress = event.progress
        if progress.phase == "done":
            if event.kind == "end":
                self._finish()
            return
        if (progress.phase, progress.detail) != self._step:  # the ONNX export, then loading
            self._finish()
            self._step = (progress.phase, progress.detail)
            self._task = self._bars.add_task(
                _title(progress), total=progress.total, count="", speed="", eta=""
            )
        self._bars.update(
            self._task,
            description=_title(progress),
            total=progress.total,
            completed=progress.done,
            count=_count(progress),
            speed=_speed(progress),
            eta=_eta(progress),
        )
        self._last = progress

    def _finish(self) -> None:
        """The running line is done: full bar, tick, no rate or ETA left on it."""
        task = next(t for t in self._bars.tasks if t.id == self._task)
        done = max(1, int(task.completed)) if task.total is None else int(task.total)
        count = ""  # a phase that never knew its total (the walk) has no count to keep
        if self._last is not None and self._last.unit and self._last.total is not None:
            count = f"{self._last.total} {self._last.unit}"
        self._bars.update(self._task, total=done, completed=done, count=count, speed="", eta="")
        self._bars.stop_task(self._task)
