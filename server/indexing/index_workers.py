"""`IndexWorkers`: the two background workers of one index and the state they share.

- The keyword worker reconciles disk and catalog (a full scan at open, then debounced change
  batches) through `KeywordScanner`: searchable within seconds. After a full scan, before the
  index settles, it walks the root again and re-checks what changed meanwhile (until a walk
  finds nothing, at most VERIFY_ROUNDS times): without a watcher, or when it dropped events,
  one run still ends with the disk's file set.
- The embedding worker runs `EmbeddingPipeline` passes while chunks wait for vectors; a
  vector-store failure is retried with backoff, a model failure stops embedding until a
  reindex.

What is due and what runs is one `IndexState` value (`index_state.py`), replaced by every
event in `_set`; the asyncio events here only wake the workers and let callers wait.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from server.indexing.catalog import Catalog
from server.indexing.embedding_pipeline import EmbeddingFailed, EmbeddingPipeline
from server.indexing.index_open import remember_scanned
from server.indexing.index_state import FullScan, IndexState, VerifyWalk
from server.indexing.keyword_scan import KeywordScanner
from server.indexing.progress_reporter import ProgressReporter
from server.indexing.vector_sync import VectorSync

log = logging.getLogger(__name__)

RETRY_MIN_S, RETRY_MAX_S = 2.0, 60.0


def _set_event() -> asyncio.Event:
    event = asyncio.Event()
    event.set()
    return event


@dataclass(frozen=True)
class Wakeups:
    """Made before the scanner and the pipeline, which signal through them."""

    keyword: asyncio.Event = field(default_factory=asyncio.Event)
    embed: asyncio.Event = field(default_factory=asyncio.Event)
    resumed: asyncio.Event = field(default_factory=_set_event)  # cleared while paused


class IndexWorkers:
    """Schedules one index's keyword and embedding passes; `state` says where they are."""

    def __init__(
        self,
        state: IndexState,
        catalog: Catalog,
        sync: VectorSync,
        scanner: KeywordScanner,
        pipeline: EmbeddingPipeline,
        progress: ProgressReporter,
        wake: Wakeups,
    ) -> None:
        self._state = state
        self._catalog = catalog
        self._sync = sync
        self._scanner = scanner
        self._pipeline = pipeline
        self._progress = progress
        self._wake = wake
        self._settled = asyncio.Event()
        self._checked = asyncio.Event()  # the keyword side matches the disk (not pending)
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def state(self) -> IndexState:
        return self._state

    def _set(self, state: IndexState) -> None:
        """The one place the state changes; waiters for `settled` follow it."""
        self._state = state
        if state.settled:
            self._settled.set()
        else:
            self._settled.clear()
        if state.pending:
            self._checked.clear()
        else:
            self._checked.set()

    # lifecycle --------------------------------------------------------------------------
    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._keyword_worker(), name="auro-index-keyword"),
            asyncio.create_task(self._embed_worker(), name="auro-index-embed"),
        ]
        self._wake.keyword.set()

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def wait_settled(self, timeout: float | None) -> None:
        await asyncio.wait_for(self._settled.wait(), timeout)

    async def wait_checked(self, timeout: float | None) -> None:
        await asyncio.wait_for(self._checked.wait(), timeout)

    # events -----------------------------------------------------------------------------
    def accept(self, paths: set[str]) -> None:
        """A debounced change batch (watcher and editor events)."""
        log.debug("change batch of %d paths", len(paths))
        self._set(self._state.changed(paths))
        self._wake.keyword.set()

    def reindex(self) -> None:
        self._set(self._state.reindexed())
        self._wake.keyword.set()

    def pause(self) -> None:
        self._set(self._state.with_paused(True))
        self._wake.resumed.clear()

    def resume(self) -> None:
        self._set(self._state.with_paused(False))
        self._wake.resumed.set()

    # keyword worker ---------------------------------------------------------------------
    async def _keyword_worker(self) -> None:
        while True:
            await self._wake.keyword.wait()
            self._wake.keyword.clear()
            while self._state.keyword_due(embed_woken=self._wake.embed.is_set()):
                self._set(self._state.keyword_started())
                self._progress.begin()
                try:
                    await self._keyword_pass()
                except Exception as exc:  # status, health, jobs and the CLI report it
                    debug = log.isEnabledFor(logging.DEBUG)
                    log.error("indexing pass failed: %s", exc, exc_info=debug)
                    self._set(self._state.keyword_failed(f"indexing failed: {exc}"))
                else:
                    self._set(self._state.keyword_passed())
                self._wake.embed.set()
            self._maybe_settled()

    async def _keyword_pass(self) -> None:
        state, plan = self._state.next_pass()
        self._set(state)
        if isinstance(plan, FullScan):
            try:
                await self._scanner.scan_all(plan.rehash)
            finally:
                self._set(self._state.full_scan_ended())
            if not self._state.scanned:
                await remember_scanned(self._catalog)
            self._set(self._state.full_scan_done(plan))
        elif isinstance(plan, VerifyWalk):
            await self._verify()
        elif not await self._scanner.scan_changes(set(plan.paths)):
            self._set(self._state.batch_needs_full_scan())

    async def _verify(self) -> None:
        stale = await self._scanner.stale_paths()
        self._set(self._state.verified(stale))
        if not stale:
            return
        log.info("%d paths changed during indexing; re-checking them", len(stale))
        if not self._state.verify_rounds:
            log.warning("files keep changing; the index relies on change events from here")

    # embedding worker -------------------------------------------------------------------
    async def _embed_worker(self) -> None:
        delay = RETRY_MIN_S
        while True:
            await self._wake.embed.wait()
            self._wake.embed.clear()
            blocked = self._sync.store is None or self._state.embed_error
            if self._scanner.scanning_all or blocked:
                self._maybe_settled()
                continue
            self._set(self._state.embedding_started())
            try:
                if self._sync.dirty:
                    await self._sync.recover()
                    if self._sync.dirty:
                        raise ConnectionError("vector store still failing")
                await self._pipeline.run()
            except EmbeddingFailed as exc:
                self._set(self._state.model_failed(str(exc)))
            except Exception as exc:
                log.warning("embedding pass stopped: %s; retrying in %.0fs", exc, delay)
                self._sync.dirty = True
                self._set(self._state.embedding_stopped())
                await asyncio.sleep(delay)
                delay = min(RETRY_MAX_S, delay * 2)
                self._wake.embed.set()
                continue
            else:
                self._set(self._state.embedding_stopped())
                await asyncio.to_thread(self._sync.settle_model_change)
            delay = RETRY_MIN_S
            self._maybe_settled()

    # settling ---------------------------------------------------------------------------
    def _maybe_settled(self) -> None:
        step = self._state.settle_step(self._wake.keyword.is_set(), self._wake.embed.is_set())
        if step == "verify":
            self._wake.keyword.set()  # the keyword worker verifies, then settles
        elif step == "settle":
            self._set(self._state.settle())
            self._progress.end()
