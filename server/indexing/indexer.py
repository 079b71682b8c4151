"""`WorkspaceIndex`: one workspace root's index service, the API of the LSP, HTTP and CLI layers.

`await WorkspaceIndex.open(...)` returns a complete index: its stores are open and recovered
(`index_open.py`) and its two background workers (`index_workers.py`) are indexing; searches
are answered at once, from whatever is indexed so far. This module answers searches, symbol
look-ups, status and health, and passes editor events on to the workers.

Crash safety (`vector_sync.py`): SQLite is the source of truth. Vector-store writes are
bracketed by intent rows (logged in the same transaction as the catalog change, cleared after
the store confirmed); opening replays leftover intents, then reconciles store ids against
embedded chunk ids. Vectors are cached by content hash in SQLite, so replays and re-adds never
re-run the model.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from server.config import Settings
from server.health import ComponentHealth
from server.indexing.consistency import ConsistencyReport, consistency_report
from server.indexing.discovery import Discovery
from server.indexing.embedder import Embedder
from server.indexing.embedding_pipeline import BATCH_SIZE, EmbeddingPipeline
from server.indexing.embedding_thread import EmbeddingThread
from server.indexing.index_lock import IndexLock
from server.indexing.index_open import OpenedStores, open_stores
from server.indexing.index_state import IndexState
from server.indexing.index_workers import IndexWorkers, Wakeups
from server.indexing.keyword_scan import KeywordScanner
from server.indexing.progress import IndexStatus, Phase, Progress
from server.indexing.progress_reporter import ProgressListener, ProgressReporter
from server.indexing.search import HybridSearch, Retriever, SearchResponse, SearchWeights
from server.indexing.watcher import Debouncer, Watcher

PRIORITY_LIMIT = 200


@dataclass(frozen=True)
class SymbolInfo:
    """A named chunk, for workspace/symbol."""

    name: str
    kind: str
    path: str
    start_line: int
    end_line: int
    language: str


class WorkspaceIndex:
    """Keeps one root's index current and answers searches while it is being built."""

    @classmethod
    async def open(
        cls,
        root: Path,
        data_dir: Path,
        settings: Settings,
        embedder: Embedder,
        *,
        batch_size: int = BATCH_SIZE,
        weights: SearchWeights | None = None,
        listeners: Sequence[ProgressListener] = (),
        paused: bool = False,
    ) -> WorkspaceIndex:
        """Open the stores (recovering from a crash), then index and watch in the background.

        `listeners` hear the first pass's progress too; `paused` starts with embedding paused.
        `IndexInUse` when another process (or open index) holds `data_dir`: one writer."""
        root = root.resolve()
        lock = await asyncio.to_thread(IndexLock.acquire, data_dir)  # IndexInUse: no writes
        try:
            opened = await open_stores(root, data_dir, settings, embedder)
            index = cls(root, data_dir, settings, embedder, opened, batch_size, weights)
        except BaseException:
            lock.release()
            raise
        index._lock = lock
        for listener in listeners:
            index.add_progress_listener(listener)
        if paused:
            index.pause()
        if index._watcher is not None:
            try:
                await asyncio.to_thread(index._watcher.start)
            except BaseException:  # e.g. out of inotify watches: nothing is left open
                index._watcher = None  # never started, nothing to stop
                await index.close()
                raise
        index._workers.start()
        return index

    def __init__(
        self,
        root: Path,
        data_dir: Path,
        settings: Settings,
        embedder: Embedder,
        opened: OpenedStores,
        batch_size: int,
        weights: SearchWeights | None,
    ) -> None:
        """Wiring only, on the event loop; `open` is the way to make one."""
        self.root = root
        self.data_dir = data_dir
        self.settings = settings
        self.embedder = embedder
        self._lock: IndexLock | None = None  # set by `open`, released by `close`
        self.weights = weights or SearchWeights.from_settings(settings)
        self.catalog = opened.catalog
        self.store = opened.store
        self._store_error = opened.store_error
        self._sync = opened.sync
        self.discovery = Discovery(root, settings)
        self.embedding = EmbeddingThread(embedder)
        self._priority: list[str] = []
        self._progress = ProgressReporter(
            self.status, lambda: self._phase(self._workers.state.phase(self.catalog.counts()))
        )
        wake = Wakeups()
        self._scanner = KeywordScanner(
            root,
            settings,
            self.discovery,
            self.catalog,
            self._sync,
            opened.count_tokens,
            priority=lambda: self._priority,
            on_file=self._progress.scanned_file,
            on_chunks=wake.embed.set,
        )
        pipeline = EmbeddingPipeline(
            self.catalog.vectors,
            self._sync,
            self.embedding,
            batch_size,
            resumed=wake.resumed,
            priority=lambda: self._priority,
            scanning=lambda: self._scanner.scanning_all,
            on_stored=self._progress.embedded,
            on_vectors=self._progress.vectors_computed,
            on_loading=self._progress.report,
            embedded_count=lambda: self.catalog.counts().chunks_embedded,
        )
        self._pipeline = pipeline
        self._search = HybridSearch(self.catalog, self.store, self.embedding, self.weights)
        self._workers = IndexWorkers(
            IndexState.opened(opened.scanned),
            self.catalog,
            self._sync,
            self._scanner,
            pipeline,
            self._progress,
            wake,
        )
        loop = asyncio.get_running_loop()
        delay_s = settings.index_debounce_ms / 1000
        self._debouncer = Debouncer(loop, delay_s, self._workers.accept)
        self._watcher = (
            Watcher(root, self.discovery, self._debouncer) if settings.watch_files else None
        )

    async def close(self, *, process_ending: bool = False) -> None:
        """Stop workers and the watcher; an interrupted write is replayed at the next open.
        `process_ending`: stop work only, as `Services.close` explains."""
        if self._watcher is not None:
            await asyncio.to_thread(self._watcher.stop)
        self._debouncer.cancel()
        self._progress.close()
        await self._workers.stop()
        if process_ending:
            self.embedding.close(wait=False)
            return
        await asyncio.to_thread(self.embedding.close)
        if self.store is not None:
            self.store.close()
        await asyncio.to_thread(self.catalog.close)
        if self._lock is not None:  # last: nothing of this index writes any more
            self._lock.release()

    # public API -----------------------------------------------------------------------
    async def search(
        self,
        query: str,
        k: int = 10,
        paths: Sequence[str] | None = None,
        languages: Sequence[str] | None = None,
        retrievers: Sequence[Retriever] = ("dense", "keyword"),
        group: bool = False,
    ) -> SearchResponse:
        """Hybrid search over whatever is indexed so far; `group`: each file once."""
        status = self.status()
        rechecking = self._workers.state.recheck
        results, warnings = await self._search.search(
            query, k, paths, languages, retrievers, group=group
        )
        if not status.complete:
            unchecked = (
                "; not yet checked against the disk since start-up (changes made while "
                "nothing ran may be missing)"
                if rechecking
                else ""
            )
            warnings.append(
                f"index incomplete: {status.files_keyword_indexed}/{status.files_total} files "
                f"keyword-indexed, {status.files_embedded} embedded{unchecked}"
            )
        return SearchResponse(
            query,
            results,
            status.complete,
            status.files_total,
            status.files_keyword_indexed,
            status.files_embedded,
            [*status.warnings, *warnings],
        )

    def status(self) -> IndexStatus:
        """From memory only (the catalog keeps its counts): cheap enough for every search."""
        counts = self.catalog.counts()
        state = self._workers.state
        scanner = self._scanner
        files = counts.files
        total = max(files, scanner.discovered) if scanner.scanning_all else files
        remaining = counts.chunks - counts.chunks_embedded
        phase = self._phase(state.phase(counts))
        return IndexStatus(
            files_total=total,
            files_keyword_indexed=files,
            files_embedded=counts.files_embedded,
            chunks=counts.chunks,
            chunks_embedded=counts.chunks_embedded,
            state=state.activity(),
            phase=phase,
            files_per_s=round(self._progress.files_rate.rate(), 2),
            eta_s=self._progress.chunks_rate.eta(remaining),
            complete=state.complete(counts, total),
            warnings=tuple(self._warnings(state)),
            progress=self._phase_progress(phase, counts.chunks, counts.chunks_embedded, total),
            skipped=scanner.skipped,
        )

    def _phase(self, coarse: Phase) -> Phase:
        """The state's phase, told apart further by what the workers are doing now."""
        if coarse == "scanning":
            passing = self._scanner.passing and not self._scanner.walking
            return "keyword" if passing else "scanning"
        if coarse == "embedding" and self.embedding.loading:
            return "loading_model"
        return coarse

    def _phase_progress(self, phase: Phase, chunks: int, embedded: int, files: int) -> Progress:
        """How far the running phase is, in its own unit."""
        elapsed = self._progress.phase_elapsed(phase)
        scanner = self._scanner
        if phase == "scanning":
            return Progress(
                phase, "walking the folder", scanner.discovered, None, "files", 0.0, None, elapsed
            )
        if phase == "keyword":
            rate = self._progress.keyword_rate.rate()
            left = scanner.pass_total - scanner.pass_done
            eta = self._progress.keyword_rate.eta(left)
            return Progress(
                phase, "", scanner.pass_done, scanner.pass_total, "files", rate, eta, elapsed
            )
        if phase == "loading_model":
            return Progress(phase, self.embedding.stage, 0, None, "", 0.0, None, elapsed)
        if phase == "embedding":
            running = self._pipeline.chunks_done
            done = min(chunks, embedded if running is None else running)
            rate = self._progress.chunks_rate.rate()
            eta = self._progress.chunks_rate.eta(chunks - done)
            return Progress(phase, "", done, chunks, "chunks", rate, eta, elapsed)
        return Progress(phase, "", files, files, "files", 0.0, 0.0, elapsed)

    def _warnings(self, state: IndexState) -> Iterable[str]:
        store_warning = getattr(self.store, "warning", "")
        messages = (store_warning, self._store_error, state.embed_error, state.index_error)
        for message in (*messages, self._sync.model_notice):
            if message:
                yield message
        yield from self._scanner.notices()

    @property
    def failure(self) -> str:
        """Why the last keyword pass or the embedding failed ("" when neither did): the index
        is half-built, and a job or CLI run that waited for it must say so."""
        return self._workers.state.failure

    async def reindex(self) -> None:
        """Re-read every file; content compared by hash, so unchanged chunks keep vectors."""
        self._workers.reindex()

    def apply_settings(self, settings: Settings) -> None:
        """New settings from the client: search weights at once, ignore rules and chunk
        size for files indexed from now on (`reindex` applies them everywhere). The model
        and the vector store stay as they are until the next open."""
        self.settings = settings
        self.discovery.configure(settings)  # shared with the scanner and the watcher
        self._scanner.settings = settings
        self.weights = SearchWeights.from_settings(settings)
        self._search.weights = self.weights

    def pause(self) -> None:
        """Stop embedding (the expensive part); the cheap keyword pass keeps search current."""
        self._workers.pause()

    def resume(self) -> None:
        self._workers.resume()

    def notify_changed(self, paths: Iterable[Path | str]) -> None:
        """Saved or changed files (LSP events); coalesced with watcher events."""
        rels = [rel for rel in (self.discovery.relative(p) for p in paths) if rel]
        if rels:
            self._debouncer.add_threadsafe(rels)

    def prioritize(self, paths: Iterable[Path | str]) -> None:
        """Open files are embedded before the rest."""
        rels = [rel for rel in (self.discovery.relative(p) for p in paths) if rel]
        rest = [p for p in self._priority if p not in rels]
        self._priority = (rels + rest)[:PRIORITY_LIMIT]

    async def wait_until_checked(self, timeout: float) -> bool:
        """Until the keyword side matches the disk (the start-up re-check ran and no change
        waits), not for embeddings; False when `timeout` passed first."""
        try:
            await self._workers.wait_checked(timeout)
        except TimeoutError:
            return False
        return True

    async def wait_until_complete(self, timeout: float | None = None) -> IndexStatus:
        """Until both workers ran out of work (complete, or blocked by a failing component)."""
        await self._workers.wait_settled(timeout)
        return self.status()

    def add_progress_listener(self, callback: ProgressListener) -> None:
        self._progress.add_listener(callback)

    def health(self) -> dict[str, ComponentHealth]:
        state = self._workers.state
        index = ComponentHealth("ok", f"{self.root}")
        if state.index_error:
            index = ComponentHealth("degraded", state.index_error)
        if self.store is not None:
            store = self.store.health()
        else:
            store = ComponentHealth("down", self._store_error)
        embeddings = ComponentHealth("ok", self.embedder.name)
        if state.embed_error:
            embeddings = ComponentHealth("down", state.embed_error)
        return {"index": index, "vector_store": store, "embeddings": embeddings}

    def symbols(self, query: str, limit: int = 100) -> list[SymbolInfo]:
        """Chunk symbols containing `query`, exact and prefix matches first."""
        if not query.strip():
            return []
        return [
            SymbolInfo(row.symbol, row.kind, row.path, row.start_line, row.end_line, row.language)
            for row in self.catalog.symbols(query, limit)
        ]

    async def consistency_report(self) -> ConsistencyReport:
        async with self._sync.lock:
            return await asyncio.to_thread(consistency_report, self.catalog, self.store)
