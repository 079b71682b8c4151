"""`WorkspaceIndex`: one workspace root's index service, the API of the LSP, HTTP and CLI layers.

Two background workers share the stores; this module schedules them and reports their state
(status, health, progress events through `progress_reporter.py`):
- the keyword worker reconciles disk and catalog (full scan at start, then debounced change
  batches) and fills the catalog and the FTS5 index: searchable within seconds. Its passes
  live in `keyword_scan.py`. After a full scan, before the index settles, it walks the root
  again and re-checks what changed meanwhile (until a walk finds nothing, at most
  VERIFY_ROUNDS times): without a watcher, or when it dropped events, one run still ends
  with the disk's file set;
- the embedding worker feeds pending chunks to the model in cross-file batches, two batches
  in flight so the model thread never idles, prioritized files and recent files first. A pass
  lives in `embedding_pipeline.py`.

Crash safety (`vector_sync.py`): SQLite is the source of truth. Vector-store writes are
bracketed by intent rows (logged in the same transaction as the catalog change, cleared after
the store confirmed); `start()` replays leftover intents, then reconciles store ids against
embedded chunk ids. Vectors are cached by content hash in SQLite, so replays and re-adds never
re-run the model.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from server.config import Settings
from server.health import ComponentHealth
from server.indexing.catalog import Catalog
from server.indexing.consistency import ConsistencyReport, consistency_report
from server.indexing.discovery import Discovery
from server.indexing.embedder import Embedder, EmbeddingThread
from server.indexing.embedding_pipeline import BATCH_SIZE, EmbeddingFailed, EmbeddingPipeline
from server.indexing.keyword_scan import KeywordScanner, load_token_counter
from server.indexing.progress import IndexStatus, Phase
from server.indexing.progress_reporter import ProgressListener, ProgressReporter
from server.indexing.search import HybridSearch, Retriever, SearchResponse, SearchWeights
from server.indexing.vector_store import VectorStore, open_chroma
from server.indexing.vector_sync import VectorSync
from server.indexing.watcher import Debouncer, Watcher

log = logging.getLogger(__name__)

PRIORITY_LIMIT = 200
SCANNED_META = "full_scan_done"  # catalog meta key: the index was scanned through once
RETRY_MIN_S, RETRY_MAX_S = 2.0, 60.0
VERIFY_ROUNDS = 5


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

    def __init__(
        self,
        root: Path,
        data_dir: Path,
        settings: Settings,
        embedder: Embedder,
        *,
        batch_size: int = BATCH_SIZE,
        weights: SearchWeights | None = None,
    ) -> None:
        self.root = root.resolve()
        self.data_dir = data_dir
        self.settings = settings
        self.embedder = embedder
        self.batch_size = batch_size
        self.weights = weights or SearchWeights.from_settings(settings)
        self.discovery = Discovery(self.root, settings)
        self.embedding = EmbeddingThread(embedder)
        self.catalog: Catalog | None = None
        self.store: VectorStore | None = None
        self._store_error = ""
        self._embed_error = ""
        self._index_error = ""
        self._search: HybridSearch | None = None
        self._sync: VectorSync | None = None
        self._scanner: KeywordScanner | None = None
        self._pipeline: EmbeddingPipeline | None = None
        self._changes: set[str] = set()
        self._full_scan = True
        self._scanned = False  # a full scan finished, in this process or an earlier one
        self._verifying = False  # the due full scan only re-checks a scanned index
        self._force_rehash = False
        self._verify_rounds = 0  # verify walks still due before the index may settle
        self._verify_quiet = False  # those walks follow a re-check: not a pending change
        self._keyword_busy = False
        self._embed_busy = False
        self._priority: list[str] = []
        self._paused = False
        self._resumed = asyncio.Event()
        self._resumed.set()
        self._keyword_wake = asyncio.Event()
        self._embed_wake = asyncio.Event()
        self._settled = asyncio.Event()
        self._progress = ProgressReporter(self.status)
        self._tasks: list[asyncio.Task[None]] = []
        self._watcher: Watcher | None = None
        self._debouncer: Debouncer | None = None
        self._closed = False

    # lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        """Open stores, recover from a crash, then index and watch in the background."""
        loop = asyncio.get_running_loop()
        self.catalog = await asyncio.to_thread(Catalog, self.data_dir / "index.sqlite3")
        self._scanned = await asyncio.to_thread(self.catalog.get_meta, SCANNED_META) == "yes"
        self._verifying = self._scanned
        count_tokens = await asyncio.to_thread(load_token_counter, self.settings, self.embedder)
        try:
            self.store = await asyncio.to_thread(
                open_chroma, self.settings, self.data_dir, self.root, self.embedder.name
            )
        except Exception as exc:
            log.exception("vector store unavailable; keyword search only")
            self._store_error = f"vector store unavailable: {exc}"
        self._sync = VectorSync(self.catalog, self.store)
        await asyncio.to_thread(self._sync.adopt_model, self.embedder.name)
        await self._sync.recover()
        self._search = HybridSearch(self.catalog, self.store, self.embedding, self.weights)
        self._scanner = KeywordScanner(
            self.root,
            self.settings,
            self.discovery,
            self.catalog,
            self._sync,
            count_tokens,
            priority=lambda: self._priority,
            on_file=lambda: self._progress.report("scanning"),
            on_chunks=self._embed_wake.set,
        )
        self._pipeline = EmbeddingPipeline(
            self.catalog,
            self._sync,
            self.embedding,
            self.batch_size,
            resumed=self._resumed,
            priority=lambda: self._priority,
            scanning=lambda: self._scanning_all,
            on_stored=self._progress.embedded,
        )
        self._debouncer = Debouncer(loop, self.settings.index_debounce_ms / 1000, self._accept)
        if self.settings.watch_files:
            self._watcher = Watcher(self.root, self.discovery, self._debouncer)
            await asyncio.to_thread(self._watcher.start)
        self._tasks = [
            asyncio.create_task(self._keyword_worker(), name="auro-index-keyword"),
            asyncio.create_task(self._embed_worker(), name="auro-index-embed"),
        ]
        self._keyword_wake.set()

    async def close(self, *, process_ending: bool = False) -> None:
        """Stop workers and the watcher; an interrupted write is replayed at the next start.
        `process_ending`: stop work only, as `Services.close` explains."""
        self._closed = True
        if self._watcher is not None:
            await asyncio.to_thread(self._watcher.stop)
        if self._debouncer is not None:
            self._debouncer.cancel()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if process_ending:
            self.embedding.close(wait=False)
            return
        await asyncio.to_thread(self.embedding.close)
        if self.store is not None:
            self.store.close()
        if self.catalog is not None:
            await asyncio.to_thread(self.catalog.close)

    # public API -----------------------------------------------------------------------
    async def search(
        self,
        query: str,
        k: int = 10,
        paths: Sequence[str] | None = None,
        languages: Sequence[str] | None = None,
        retrievers: Sequence[Retriever] = ("dense", "keyword"),
    ) -> SearchResponse:
        """Hybrid search over whatever is indexed so far."""
        if self._search is None:
            raise RuntimeError("WorkspaceIndex.search before start()")
        status = self.status()
        results, warnings = await self._search.search(query, k, paths, languages, retrievers)
        if not status.complete:
            warnings.append(
                f"index incomplete: {status.files_keyword_indexed}/{status.files_total} files "
                f"keyword-indexed, {status.files_embedded} embedded"
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
        counts = self.catalog.counts() if self.catalog is not None else None
        files = counts.files if counts else 0
        busy = self._busy()
        settled = self._settled.is_set() if self.catalog is not None else True
        scanner = self._scanner
        total = max(files, scanner.discovered) if scanner and scanner.scanning_all else files
        phase: Phase = "done"
        if self._keyword_busy or self._full_scan or self._changes:
            phase = "scanning"
        elif counts and counts.chunks_embedded < counts.chunks:
            phase = "embedding"
        # one definition for every front end: every file known is keyword-indexed and
        # embedded and no change is pending; the start-up re-check of a scanned index
        # is not a pending change (it only finds ones made while nothing was running)
        pending = bool(self._changes) or (
            (self._full_scan or self._keyword_busy) and not self._verifying
        )
        pending = pending or bool(self._verify_rounds and not self._verify_quiet)
        complete = bool(
            counts
            and self._scanned
            and not self._index_error
            and not pending
            and total == files
            and counts.files_embedded == counts.files
            and counts.chunks_embedded == counts.chunks
        )
        remaining = counts.chunks - counts.chunks_embedded if counts else 0
        return IndexStatus(
            files_total=total,
            files_keyword_indexed=files,
            files_embedded=counts.files_embedded if counts else 0,
            chunks=counts.chunks if counts else 0,
            chunks_embedded=counts.chunks_embedded if counts else 0,
            state="paused" if self._paused else "indexing" if busy or not settled else "idle",
            phase=phase,
            files_per_s=round(self._progress.files_rate.rate(), 2),
            eta_s=self._progress.chunks_rate.eta(remaining),
            complete=complete,
            warnings=tuple(self._warnings()),
        )

    def _warnings(self) -> Iterable[str]:
        store_warning = getattr(self.store, "warning", "")
        for message in (store_warning, self._store_error, self._embed_error, self._index_error):
            if message:
                yield message
        if self._scanner is not None:
            yield from self._scanner.notices()

    @property
    def failure(self) -> str:
        """Why the last keyword pass or the embedding failed ("" when neither did): the index
        is half-built, and a job or CLI run that waited for it must say so."""
        return self._index_error or self._embed_error

    async def reindex(self) -> None:
        """Re-read every file; content compared by hash, so unchanged chunks keep vectors."""
        self._embed_error = self._index_error = ""
        self._full_scan = True
        self._verifying = False
        self._force_rehash = True
        self._settled.clear()
        self._keyword_wake.set()

    def apply_settings(self, settings: Settings) -> None:
        """New settings from the client: search weights at once, ignore rules and chunk
        size for files indexed from now on (`reindex` applies them everywhere). The model
        and the vector store stay as they are until the next start."""
        self.settings = settings
        self.discovery.configure(settings)  # shared with the scanner and the watcher
        if self._scanner is not None:
            self._scanner.settings = settings
        self.weights = SearchWeights.from_settings(settings)
        if self._search is not None:
            self._search.weights = self.weights

    def pause(self) -> None:
        """Stop embedding (the expensive part); the cheap keyword pass keeps search current."""
        self._paused = True
        self._resumed.clear()

    def resume(self) -> None:
        self._paused = False
        self._resumed.set()

    def notify_changed(self, paths: Iterable[Path | str]) -> None:
        """Saved or changed files (LSP events); coalesced with watcher events."""
        rels = [rel for rel in (self.discovery.relative(p) for p in paths) if rel]
        if rels and self._debouncer is not None:
            self._debouncer.add_threadsafe(rels)

    def prioritize(self, paths: Iterable[Path | str]) -> None:
        """Open files are embedded before the rest."""
        rels = [rel for rel in (self.discovery.relative(p) for p in paths) if rel]
        rest = [p for p in self._priority if p not in rels]
        self._priority = (rels + rest)[:PRIORITY_LIMIT]

    async def wait_until_complete(self, timeout: float | None = None) -> IndexStatus:
        """Until both workers ran out of work (complete, or blocked by a failing component)."""
        await asyncio.wait_for(self._settled.wait(), timeout)
        return self.status()

    def add_progress_listener(self, callback: ProgressListener) -> None:
        self._progress.add_listener(callback)

    def health(self) -> dict[str, ComponentHealth]:
        index = ComponentHealth("ok", f"{self.root}")
        if self.catalog is None:
            index = ComponentHealth("down", "not started")
        elif self._index_error:
            index = ComponentHealth("degraded", self._index_error)
        if self.store is not None:
            store = self.store.health()
        else:
            store = ComponentHealth("down", self._store_error or "not started")
        embeddings = ComponentHealth("ok", self.embedder.name)
        if self._embed_error:
            embeddings = ComponentHealth("down", self._embed_error)
        return {"index": index, "vector_store": store, "embeddings": embeddings}

    def symbols(self, query: str, limit: int = 100) -> list[SymbolInfo]:
        """Chunk symbols containing `query`, exact and prefix matches first."""
        if self.catalog is None or not query.strip():
            return []
        return [
            SymbolInfo(row.symbol, row.kind, row.path, row.start_line, row.end_line, row.language)
            for row in self.catalog.symbols(query, limit)
        ]

    async def consistency_report(self) -> ConsistencyReport:
        assert self.catalog is not None and self._sync is not None
        async with self._sync.lock:
            return await asyncio.to_thread(consistency_report, self.catalog, self.store)

    # change intake --------------------------------------------------------------------
    def _accept(self, paths: set[str]) -> None:
        log.debug("change batch of %d paths", len(paths))
        self._changes |= paths
        self._settled.clear()
        self._keyword_wake.set()

    # keyword worker -------------------------------------------------------------------
    async def _keyword_worker(self) -> None:
        while True:
            await self._keyword_wake.wait()
            self._keyword_wake.clear()
            while self._full_scan or self._changes or self._verify_now():
                self._keyword_busy = True
                self._settled.clear()
                self._progress.begin()
                try:
                    await self._keyword_pass()
                    self._index_error = ""
                except Exception as exc:  # status, health, jobs and the CLI report it
                    debug = log.isEnabledFor(logging.DEBUG)
                    log.error("indexing pass failed: %s", exc, exc_info=debug)
                    self._index_error = f"indexing failed: {exc}"
                    self._verify_rounds = 0
                finally:
                    self._keyword_busy = False
                self._embed_wake.set()
            self._maybe_settled()

    async def _keyword_pass(self) -> None:
        """A full scan when one is due, else the pending change batch."""
        assert self._scanner is not None and self.catalog is not None
        if self._full_scan:
            self._full_scan = False
            self._changes.clear()
            force, self._force_rehash = self._force_rehash, False
            rechecking = self._verifying
            try:
                await self._scanner.scan_all(force)
            finally:
                self._verifying = False
            if not self._scanned:
                await asyncio.to_thread(self.catalog.set_meta, SCANNED_META, "yes")
                self._scanned = True
            # verify walks catch files changed while this pass ran; after the start-up
            # re-check of a scanned index they run too, but do not make it incomplete
            self._verify_rounds = VERIFY_ROUNDS
            self._verify_quiet = rechecking
            return
        if not self._changes:
            await self._verify()
            return
        batch, self._changes = self._changes, set()
        if not await self._scanner.scan_changes(batch):
            self._full_scan = True
            self._verifying = False

    def _verify_now(self) -> bool:
        """A verify walk is due and the embedding worker is done: files changed while it
        embedded are found too."""
        return bool(self._verify_rounds) and not (self._embed_busy or self._embed_wake.is_set())

    async def _verify(self) -> None:
        assert self._scanner is not None
        self._verify_rounds -= 1
        stale = await self._scanner.stale_paths()
        if not stale:
            self._verify_rounds = 0
            return
        log.info("%d paths changed during indexing; re-checking them", len(stale))
        self._changes |= stale
        if not self._verify_rounds:
            log.warning("files keep changing; the index relies on change events from here")

    @property
    def _scanning_all(self) -> bool:
        return self._scanner is not None and self._scanner.scanning_all

    # embedding worker -----------------------------------------------------------------
    async def _embed_worker(self) -> None:
        assert self._sync is not None and self._pipeline is not None
        delay = RETRY_MIN_S
        while True:
            await self._embed_wake.wait()
            self._embed_wake.clear()
            if self._scanning_all or self.store is None or self._embed_error:
                self._maybe_settled()
                continue
            self._embed_busy = True
            try:
                if self._sync.dirty:
                    await self._sync.recover()
                    if self._sync.dirty:
                        raise ConnectionError("vector store still failing")
                await self._pipeline.run()
            except EmbeddingFailed as exc:
                self._embed_error = str(exc)
            except Exception as exc:
                log.warning("embedding pass stopped: %s; retrying in %.0fs", exc, delay)
                self._sync.dirty = True
                self._embed_busy = False
                await asyncio.sleep(delay)
                delay = min(RETRY_MAX_S, delay * 2)
                self._embed_wake.set()
                continue
            finally:
                self._embed_busy = False
            delay = RETRY_MIN_S
            self._maybe_settled()

    # progress -------------------------------------------------------------------------
    def _busy(self) -> bool:
        return self._keyword_busy or self._embed_busy

    def _maybe_settled(self) -> None:
        if self._busy() or self._full_scan or self._changes or self._keyword_wake.is_set():
            return
        if self._embed_wake.is_set():
            return
        if self._verify_rounds:
            self._keyword_wake.set()  # the keyword worker verifies, then settles
            return
        self._settled.set()
        self._progress.end()
