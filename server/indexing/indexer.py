"""`WorkspaceIndex`: one workspace root's index service, the API of the LSP, HTTP and CLI layers.

Two background workers share the stores:
- the keyword worker reconciles disk and catalog (full scan at start, then debounced change
  batches) and fills the catalog and the FTS5 index: searchable within seconds;
- the embedding worker feeds pending chunks to the model in cross-file batches, two batches
  in flight so the model thread never idles, prioritized files and recent files first.

Crash safety: SQLite is the source of truth. Vector-store writes are bracketed by intent rows
(logged in the same transaction as the catalog change, cleared after the store confirmed);
`start()` replays leftover intents, then reconciles store ids against embedded chunk ids.
Vectors are cached by content hash in SQLite, so replays and re-adds never re-run the model.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from server.config import Settings
from server.health import ComponentHealth
from server.indexing.catalog import Catalog, FileRecord, PendingChunk
from server.indexing.chunk import Chunk
from server.indexing.chunking import TokenCounter, chunk_file, detect_language
from server.indexing.consistency import ConsistencyReport, consistency_report
from server.indexing.discovery import IGNORE_FILES, Discovery, is_binary
from server.indexing.embedder import Embedder, EmbeddingThread, resolve_model_path
from server.indexing.identifiers import name_text
from server.indexing.progress import EventKind, IndexStatus, Phase, ProgressEvent, Throughput
from server.indexing.search import HybridSearch, Retriever, SearchResponse, SearchWeights
from server.indexing.vector_store import VectorStore, open_chroma
from server.indexing.watcher import Debouncer, Watcher

log = logging.getLogger(__name__)

ProgressListener = Callable[[ProgressEvent], None]
REPORT_INTERVAL_S = 0.5
PRIORITY_LIMIT = 200
IN_FLIGHT_BATCHES = 2
# Chunks per embedding batch. A batch is sorted by length before it is cut into slices, and
# a larger batch pads less: 256 pads 10 % of the tokens, 1024 3 % (docs/benchmarks.md).
# Open files do not wait for a full batch: their chunks make a batch of their own.
BATCH_SIZE = 1024
RETRY_MIN_S, RETRY_MAX_S = 2.0, 60.0
RULE_FILES = {*IGNORE_FILES, "exclude"}


@dataclass(frozen=True)
class SymbolInfo:
    """A named chunk, for workspace/symbol."""

    name: str
    kind: str
    path: str
    start_line: int
    end_line: int
    language: str


@dataclass(frozen=True)
class BatchVectors:
    chunks: dict[str, list[float]]  # by content hash
    names: dict[str, list[float]]  # name views embedded for the first time


@dataclass
class _Touch:
    size: int
    mtime_ns: int


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
        self._store_dirty = False
        self._count_tokens: Callable[[str], int] | None = None
        self._search: HybridSearch | None = None
        self._changes: set[str] = set()
        self._full_scan = True
        self._force_rehash = False
        self._scanning_all = False
        self._keyword_busy = False
        self._embed_busy = False
        self._discovered = 0
        self._priority: list[str] = []
        self._paused = False
        self._resumed = asyncio.Event()
        self._resumed.set()
        self._keyword_wake = asyncio.Event()
        self._embed_wake = asyncio.Event()
        self._settled = asyncio.Event()
        self._write_lock = asyncio.Lock()
        self._listeners: list[ProgressListener] = []
        self._reporting = False
        self._last_report = 0.0
        self._files_rate = Throughput()
        self._chunks_rate = Throughput()
        self._tasks: list[asyncio.Task[None]] = []
        self._watcher: Watcher | None = None
        self._debouncer: Debouncer | None = None
        self._names_backfilled = False
        self._closed = False

    # lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        """Open stores, recover from a crash, then index and watch in the background."""
        loop = asyncio.get_running_loop()
        self.catalog = await asyncio.to_thread(Catalog, self.data_dir / "index.sqlite3")
        self._count_tokens = await asyncio.to_thread(self._token_counter)
        try:
            self.store = await asyncio.to_thread(
                open_chroma, self.settings, self.data_dir, self.root, self.embedder.name
            )
        except Exception as exc:
            log.exception("vector store unavailable; keyword search only")
            self._store_error = f"vector store unavailable: {exc}"
        await asyncio.to_thread(self._adopt_model)
        await self._recover()
        self._search = HybridSearch(self.catalog, self.store, self.embedding, self.weights)
        self._debouncer = Debouncer(loop, self.settings.index_debounce_ms / 1000, self._accept)
        if self.settings.watch_files:
            self._watcher = Watcher(self.root, self.discovery, self._debouncer)
            await asyncio.to_thread(self._watcher.start)
        self._tasks = [
            asyncio.create_task(self._keyword_worker(), name="auro-index-keyword"),
            asyncio.create_task(self._embed_worker(), name="auro-index-embed"),
        ]
        self._keyword_wake.set()

    async def close(self) -> None:
        """Stop workers and the watcher; an interrupted write is replayed at the next start."""
        self._closed = True
        if self._watcher is not None:
            await asyncio.to_thread(self._watcher.stop)
        if self._debouncer is not None:
            self._debouncer.cancel()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self.embedding.close()
        if self.store is not None:
            self.store.close()
        if self.catalog is not None:
            await asyncio.to_thread(self.catalog.close)

    def _token_counter(self) -> Callable[[str], int]:
        try:
            return TokenCounter(model_path=resolve_model_path(self.settings.embedding_model))
        except Exception as exc:
            log.warning("tokenizer of %s unavailable (%s); using the default", self.embedder, exc)
            return TokenCounter()

    def _adopt_model(self) -> None:
        """Vectors of another model are void: forget them (the store recreated its side)."""
        assert self.catalog is not None
        previous = self.catalog.get_meta("embedder")
        if previous != self.embedder.name:
            if previous is not None:
                log.info("embedding model changed (%s -> %s)", previous, self.embedder.name)
                self.catalog.forget_vectors()
            self.catalog.set_meta("embedder", self.embedder.name)

    async def _recover(self) -> None:
        """Replay intents, then make store ids and embedded chunk ids agree."""
        if self.store is None:
            return
        try:
            async with self._write_lock:
                await asyncio.to_thread(self._recover_sync)
            self._store_dirty = False
        except Exception as exc:
            log.warning("vector store recovery failed: %s", exc)
            self._store_dirty = True

    def _recover_sync(self) -> None:
        assert self.catalog is not None and self.store is not None
        intents = list(self.catalog.intents())
        if intents:
            log.info("replaying %d interrupted vector writes", len(intents))
            self.store.delete(intents)
            self.catalog.settle_unconfirmed(intents)
        vectors = self.store.ids()
        embedded = self.catalog.embedded_ids()
        known = set(self.catalog.chunk_ids())
        orphans = vectors - known
        if orphans:
            log.info("removing %d orphan vectors", len(orphans))
            self.store.delete(sorted(orphans))
        adopted = (vectors & known) - embedded
        if adopted:
            self.catalog.confirm_added(sorted(adopted))
        missing = embedded - vectors
        if missing:
            log.info("%d chunks lost their vectors; re-adding", len(missing))
            self.catalog.mark_unembedded(missing)
        self.catalog.settle_files_without_chunks()

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
        total = max(files, self._discovered) if self._scanning_all else files
        phase: Phase = "done"
        if self._keyword_busy or self._full_scan or self._changes:
            phase = "scanning"
        elif counts and counts.chunks_embedded < counts.chunks:
            phase = "embedding"
        complete = bool(
            counts
            and not busy
            and not self._full_scan
            and not self._changes
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
            files_per_s=round(self._files_rate.rate(), 2),
            eta_s=self._chunks_rate.eta(remaining),
            complete=complete,
            warnings=tuple(self._warnings()),
        )

    def _warnings(self) -> Iterable[str]:
        store_warning = getattr(self.store, "warning", "")
        for message in (store_warning, self._store_error, self._embed_error, self._index_error):
            if message:
                yield message

    async def reindex(self) -> None:
        """Re-read every file; content compared by hash, so unchanged chunks keep vectors."""
        self._embed_error = self._index_error = ""
        self._full_scan = True
        self._force_rehash = True
        self._settled.clear()
        self._keyword_wake.set()

    def apply_settings(self, settings: Settings) -> None:
        """New settings from the client: search weights at once, ignore rules and chunk
        size for files indexed from now on (`reindex` applies them everywhere). The model
        and the vector store stay as they are until the next start."""
        self.settings = settings
        self.discovery = Discovery(self.root, settings)
        if self._watcher is not None:
            self._watcher.handler.discovery = self.discovery
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
        self._listeners.append(callback)

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
        assert self.catalog is not None
        async with self._write_lock:
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
            while self._full_scan or self._changes:
                self._keyword_busy = True
                self._work_started()
                try:
                    if self._full_scan:
                        await self._scan_all()
                    else:
                        batch, self._changes = self._changes, set()
                        await self._scan_changes(batch)
                    self._index_error = ""
                except Exception as exc:
                    log.exception("indexing pass failed")
                    self._index_error = f"indexing failed: {exc}"
                finally:
                    self._keyword_busy = False
                self._embed_wake.set()
            self._maybe_settled()

    async def _scan_all(self) -> None:
        assert self.catalog is not None
        self._full_scan = False
        self._changes.clear()
        force, self._force_rehash = self._force_rehash, False
        self._scanning_all = True
        try:
            found = await asyncio.to_thread(lambda: list(self.discovery.walk()))
            self._discovered = len(found)
            known = await asyncio.to_thread(self.catalog.files)
            on_disk = {f.path for f in found}
            await self._remove([path for path in known if path not in on_disk])
            rank = {path: i for i, path in enumerate(self._priority)}
            found.sort(key=lambda f: (rank.get(f.path, len(rank)), -f.mtime_ns))
            for item in found:
                record = known.get(item.path)
                same_stat = record and (record.size, record.mtime_ns) == (item.size, item.mtime_ns)
                if not same_stat or force:
                    await self._index_file(item.path, record)
                self._report("scanning")
            await asyncio.to_thread(self.catalog.drop_unused_vectors)
        finally:
            self._scanning_all = False

    async def _scan_changes(self, batch: set[str]) -> None:
        assert self.catalog is not None
        if any(Path(path).name in RULE_FILES for path in batch):
            self.discovery.forget_rules()
            self._full_scan = True
            return
        known = await asyncio.to_thread(self.catalog.files)
        candidates = await asyncio.to_thread(self._expand, batch, known)
        rank = {path: i for i, path in enumerate(self._priority)}
        for rel in sorted(candidates, key=lambda p: (rank.get(p, len(rank)), p)):
            reason = await asyncio.to_thread(self.discovery.skip_reason, rel)
            if reason is not None:
                log.debug("skip %s: %s", rel, reason)
                if rel in known:
                    await self._remove([rel])
                continue
            await self._index_file(rel, known.get(rel))
            self._report("scanning")

    def _expand(self, batch: set[str], known: dict[str, FileRecord]) -> set[str]:
        """Changed paths to files: folders expand to their catalog entries and disk files."""
        candidates: set[str] = set()
        for rel in batch:
            prefix = rel + "/"
            candidates.update(path for path in known if path == rel or path.startswith(prefix))
            if (self.root / rel).is_dir():
                candidates.update(found.path for found in self.discovery.walk(rel))
            else:
                candidates.add(rel)
        return candidates

    async def _index_file(self, rel: str, record: FileRecord | None) -> None:
        assert self.catalog is not None
        prepared = await asyncio.to_thread(self._prepare, rel, record)
        if prepared is None:
            if record is not None:
                await self._remove([rel])
            return
        if isinstance(prepared, _Touch):
            await asyncio.to_thread(self.catalog.touch_file, rel, prepared.size, prepared.mtime_ns)
            return
        fresh, chunks = prepared
        async with self._write_lock:
            stale = await asyncio.to_thread(self.catalog.replace_file, fresh, chunks)
            await self._drop_vectors(stale)
        if chunks:
            self._embed_wake.set()

    def _prepare(
        self, rel: str, record: FileRecord | None
    ) -> tuple[FileRecord, list[Chunk]] | _Touch | None:
        """Read, hash and chunk one file (worker thread). None = not indexable."""
        language = detect_language(rel)
        if language is None:
            log.debug("skip %s: unsupported file type", rel)
            return None
        full = self.root / rel
        try:
            info = full.stat()
            data = full.read_bytes()
        except OSError as exc:
            log.debug("skip %s: unreadable (%s)", rel, exc)
            return None
        if len(data) > self.settings.max_file_bytes or is_binary(data):
            log.debug("skip %s: binary or too large", rel)
            return None
        digest = hashlib.sha256(data).hexdigest()
        if record is not None and record.sha256 == digest:
            return _Touch(info.st_size, info.st_mtime_ns)
        assert self._count_tokens is not None
        text = data.decode("utf-8", errors="replace")
        chunks = chunk_file(
            rel, text, budget=self.settings.chunk_size, count_tokens=self._count_tokens
        )
        return FileRecord(rel, info.st_size, info.st_mtime_ns, digest, language), chunks

    async def _remove(self, paths: Sequence[str]) -> None:
        if not paths:
            return
        assert self.catalog is not None
        async with self._write_lock:
            stale = await asyncio.to_thread(self.catalog.remove_files, paths)
            await self._drop_vectors(stale)

    async def _drop_vectors(self, ids: Sequence[str]) -> None:
        """Delete from the store, then clear the intents (caller holds the write lock)."""
        if not ids or self.store is None:
            return
        assert self.catalog is not None
        log.debug("deleting %d vectors", len(ids))
        try:
            await asyncio.to_thread(self.store.delete, ids)
        except Exception as exc:
            log.warning("vector delete failed (replayed later): %s", exc)
            self._store_dirty = True
            return
        await asyncio.to_thread(self.catalog.clear_intents, ids)

    # embedding worker -----------------------------------------------------------------
    async def _embed_worker(self) -> None:
        delay = RETRY_MIN_S
        while True:
            await self._embed_wake.wait()
            self._embed_wake.clear()
            if self._scanning_all or self.store is None or self._embed_error:
                self._maybe_settled()
                continue
            self._embed_busy = True
            try:
                if self._store_dirty:
                    await self._recover()
                    if self._store_dirty:
                        raise ConnectionError("vector store still failing")
                await self._embed_pending()
                delay = RETRY_MIN_S
            except Exception as exc:
                log.warning("embedding pass stopped: %s; retrying in %.0fs", exc, delay)
                self._store_dirty = True
                self._embed_busy = False
                await asyncio.sleep(delay)
                delay = min(RETRY_MAX_S, delay * 2)
                self._embed_wake.set()
                continue
            finally:
                self._embed_busy = False
            self._maybe_settled()

    async def _embed_pending(self) -> None:
        """Keep up to two batches in the model thread's queue until nothing is pending."""
        assert self.catalog is not None
        in_flight: deque[tuple[list[PendingChunk], asyncio.Future[BatchVectors]]]
        in_flight = deque()
        taken: set[str] = set()
        try:
            while True:
                while len(in_flight) < IN_FLIGHT_BATCHES and not self._scanning_all:
                    await self._resumed.wait()
                    batch = await asyncio.to_thread(
                        self.catalog.pending, self.batch_size, taken, list(self._priority)
                    )
                    if not batch:
                        break
                    taken.update(chunk.id for chunk in batch)
                    in_flight.append((batch, asyncio.ensure_future(self._vectors_for(batch))))
                if not in_flight:
                    if not self._names_backfilled:
                        await self._embed_missing_names()
                    return
                batch, future = in_flight.popleft()
                try:
                    fresh = await future
                except Exception as exc:
                    self._embed_error = f"embedding failed: {exc}"
                    log.exception("embedding failed; keyword search only")
                    return
                await self._store_batch(batch, fresh)
                taken.difference_update(chunk.id for chunk in batch)
        finally:
            for _, future in in_flight:
                future.cancel()

    async def _embed_missing_names(self) -> None:
        """Once per start: name views an older index lacks (new chunks bring theirs)."""
        assert self.catalog is not None
        try:
            while names := await asyncio.to_thread(
                self.catalog.names_without_vectors, self.batch_size
            ):
                await self._resumed.wait()
                vectors = await self.embedding.embed(names)
                await asyncio.to_thread(
                    self.catalog.add_name_vectors, dict(zip(names, vectors, strict=True))
                )
        except Exception as exc:
            log.warning("name views not embedded (search reranks without them): %s", exc)
        finally:
            self._names_backfilled = True

    async def _vectors_for(self, batch: list[PendingChunk]) -> BatchVectors:
        """Chunk vectors by content hash, from the cache where possible, else from the
        model; in the same model call, name-view vectors for names not seen before."""
        assert self.catalog is not None
        hashes = [chunk.content_hash for chunk in batch]
        names = {name_text(str(c.metadata["symbol"]), c.path) for c in batch}
        cached, known = await asyncio.gather(
            asyncio.to_thread(self.catalog.cached_vectors, hashes),
            asyncio.to_thread(self.catalog.name_vectors, names),
        )
        todo = {c.content_hash: c.embed_text for c in batch if c.content_hash not in cached}
        new_names = sorted(names - known.keys())
        fresh: dict[str, list[float]] = {}
        if todo or new_names:
            vectors = await self.embedding.embed([*todo.values(), *new_names])
            cached.update(zip(todo, vectors[: len(todo)], strict=True))
            fresh = dict(zip(new_names, vectors[len(todo) :], strict=True))
        return BatchVectors(cached, fresh)

    async def _store_batch(self, batch: list[PendingChunk], vectors: BatchVectors) -> None:
        assert self.catalog is not None and self.store is not None
        async with self._write_lock:
            ids = [chunk.id for chunk in batch]
            live = set(
                await asyncio.to_thread(self.catalog.begin_add, ids, vectors.chunks, vectors.names)
            )
            rows = [chunk for chunk in batch if chunk.id in live]
            if not rows:
                return
            log.debug("writing %d vectors", len(rows))
            await asyncio.to_thread(
                self.store.upsert,
                [chunk.id for chunk in rows],
                [vectors.chunks[chunk.content_hash] for chunk in rows],
                [chunk.metadata for chunk in rows],
            )
            before = self.catalog.counts().files_embedded
            await asyncio.to_thread(self.catalog.confirm_added, [chunk.id for chunk in rows])
            after = self.catalog.counts().files_embedded
        self._chunks_rate.add(len(rows))
        self._files_rate.add(max(0, after - before))
        self._report("embedding")

    # progress -------------------------------------------------------------------------
    def _busy(self) -> bool:
        return self._keyword_busy or self._embed_busy

    def _work_started(self) -> None:
        self._settled.clear()
        if not self._reporting:
            self._reporting = True
            self._emit("begin", "scanning", "Indexing workspace")

    def _report(self, phase: Phase) -> None:
        now = time.monotonic()
        if now - self._last_report < REPORT_INTERVAL_S:
            return
        self._last_report = now
        self._emit("report", phase, "Embedding" if phase == "embedding" else "Scanning files")

    def _maybe_settled(self) -> None:
        if self._busy() or self._full_scan or self._changes or self._keyword_wake.is_set():
            return
        if self._embed_wake.is_set():
            return
        self._settled.set()
        if self._reporting:
            self._reporting = False
            self._emit("end", "done", "Index complete" if self.status().complete else "Idle")

    def _emit(self, kind: EventKind, phase: Phase, message: str) -> None:
        if not self._listeners:
            return
        status = self.status()
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
