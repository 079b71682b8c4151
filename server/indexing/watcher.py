"""File change intake: a watchdog observer and the debouncer that coalesces its events with
LSP notifications, so a branch switch touching a thousand files becomes one batch.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from server.indexing.discovery import Discovery

log = logging.getLogger(__name__)

MAX_DELAY_FACTOR = 10


class Debouncer:
    """Collects paths; flushes them as one set once no new path arrived for `delay_s`.

    A steady stream of events still flushes after `MAX_DELAY_FACTOR * delay_s`. Call `add`
    on the event loop thread, `add_threadsafe` from any other thread.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        delay_s: float,
        flush: Callable[[set[str]], None],
    ) -> None:
        self.loop = loop
        self.delay_s = delay_s
        self._flush = flush
        self._pending: set[str] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._first_at = 0.0

    def add(self, paths: Iterable[str]) -> None:
        fresh = set(paths)
        if not fresh:
            return
        now = self.loop.time()
        if not self._pending:
            self._first_at = now
        self._pending |= fresh
        if self._timer is not None:
            self._timer.cancel()
        deadline = min(now + self.delay_s, self._first_at + MAX_DELAY_FACTOR * self.delay_s)
        self._timer = self.loop.call_at(deadline, self.flush_now)

    def add_threadsafe(self, paths: Iterable[str]) -> None:
        self.loop.call_soon_threadsafe(self.add, list(paths))

    def flush_now(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._pending = self._pending, set()
        if batch:
            self._flush(batch)

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._pending.clear()


class _Handler(FileSystemEventHandler):
    def __init__(self, discovery: Discovery, sink: Callable[[list[str]], None]) -> None:
        self.discovery = discovery
        self.sink = sink

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed", "closed_no_write"):
            return
        if event.is_directory and event.event_type == "modified":
            return  # a child's own event follows
        paths = [event.src_path, getattr(event, "dest_path", "")]
        relevant = []
        for raw in paths:
            if not raw:
                continue
            rel = self.discovery.relative(os.fsdecode(raw))  # undecodable bytes: surrogates
            if rel and self.discovery.path_excluded(rel, is_dir=event.is_directory) is None:
                relevant.append(rel)
        if relevant:
            self.sink(relevant)


class Watcher:
    """A recursive watchdog observer on one root, feeding relative paths to a debouncer."""

    def __init__(self, root: Path, discovery: Discovery, debouncer: Debouncer) -> None:
        self.root = root
        self._observer = Observer()
        self._observer.schedule(
            _Handler(discovery, debouncer.add_threadsafe), str(root), recursive=True
        )

    def start(self) -> None:
        self._observer.start()
        log.debug("watching %s", self.root)

    def stop(self) -> None:
        self._observer.stop()
        self._observer.join(timeout=5)
