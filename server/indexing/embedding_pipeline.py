"""`EmbeddingPipeline`: one embedding pass, from pending chunks to confirmed vectors.

Pending chunks go to the model in cross-file batches, two batches in flight so the model
thread never idles; open files first (their chunks make a small batch of their own), then
recent files. Vectors come from the SQLite cache by content hash where possible, so only new
content meets the model. Every store write is bracketed by intents (see `VectorSync`).
When a pass runs, and what happens after a failure, is `WorkspaceIndex`'s decision.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from server.indexing.catalog_vectors import PendingChunk, VectorBookkeeping
from server.indexing.embedding_thread import EmbeddingThread
from server.indexing.identifiers import name_text
from server.indexing.vector_sync import VectorSync

log = logging.getLogger(__name__)

IN_FLIGHT_BATCHES = 2
# Chunks per embedding batch. A batch is sorted by length before it is cut into slices, and
# a larger batch pads less: 256 pads 10 % of the tokens, 1024 3 % (docs/benchmarks.md).
# Open files do not wait for a full batch: their chunks make a batch of their own.
BATCH_SIZE = 1024


class EmbeddingFailed(Exception):
    """The model failed: search stays keyword-only until a reindex."""


@dataclass(frozen=True)
class BatchVectors:
    chunks: dict[str, list[float]]  # by content hash
    names: dict[str, list[float]]  # name views embedded for the first time


class EmbeddingPipeline:
    """Embeds and stores every pending chunk of one catalog (its `vectors` part); `run()` is
    one pass."""

    def __init__(
        self,
        vectors: VectorBookkeeping,
        sync: VectorSync,
        embedding: EmbeddingThread,
        batch_size: int,
        *,
        resumed: asyncio.Event,
        priority: Callable[[], Sequence[str]],
        scanning: Callable[[], bool],
        on_stored: Callable[[int, int], None],
        on_vectors: Callable[[int], None],
        on_loading: Callable[[], None],
        embedded_count: Callable[[], int],
    ) -> None:
        self._vectors = vectors
        self._sync = sync
        self._embedding = embedding
        self._batch_size = batch_size
        self._resumed = resumed  # cleared while the index is paused
        self._priority = priority
        self._scanning = scanning  # a full scan runs: take no new batch
        self._on_stored = on_stored  # (chunks, files) newly embedded
        self._on_vectors = on_vectors  # chunk vectors computed (a model slice finished)
        self._on_loading = on_loading  # the model began or finished loading
        self._names_backfilled = False
        # How far a pass is, counted here alone so that it only grows: the embedded count
        # when it began, chunks stored since, and chunks of the batches in flight whose
        # vectors are ready (a batch of 1024 chunks takes minutes; its slices take seconds).
        self._embedded_count = embedded_count
        self._base: int | None = None
        self._stored = 0
        self._vectors_ready = 0

    async def run(self) -> None:
        """Keep up to two batches in the model thread's queue until nothing is pending.

        Raises `EmbeddingFailed` when the model fails; vector-store errors propagate as they
        are (the index retries those)."""
        in_flight: deque[tuple[list[PendingChunk], asyncio.Future[BatchVectors]]]
        in_flight = deque()
        taken: set[str] = set()
        self._base, self._stored, self._vectors_ready = self._embedded_count(), 0, 0
        try:
            while True:
                while len(in_flight) < IN_FLIGHT_BATCHES and not self._scanning():
                    await self._resumed.wait()
                    batch = await asyncio.to_thread(
                        self._vectors.pending, self._batch_size, taken, list(self._priority())
                    )
                    if not batch:
                        break
                    await self._load_model()
                    taken.update(chunk.id for chunk in batch)
                    previous = in_flight[-1][1] if in_flight else None
                    vectors = asyncio.ensure_future(self._vectors_for(batch, previous))
                    in_flight.append((batch, vectors))
                if not in_flight:
                    if not self._names_backfilled:
                        await self._embed_missing_names()
                    return
                batch, future = in_flight.popleft()
                try:
                    fresh = await future
                except Exception as exc:
                    log.exception("embedding failed; keyword search only")
                    raise EmbeddingFailed(f"embedding failed: {exc}") from exc
                await self._store_batch(batch, fresh)
                taken.difference_update(chunk.id for chunk in batch)
        finally:
            for _, future in in_flight:
                future.cancel()
            self._base = None  # the pass is over: the catalog's count is the truth

    async def _load_model(self) -> None:
        try:
            await self._embedding.load(self._on_loading)
        except Exception as exc:
            log.exception("the embedding model failed to load; keyword search only")
            raise EmbeddingFailed(f"embedding model failed to load: {exc}") from exc

    async def _embed_missing_names(self) -> None:
        """Once per start: name views an older index lacks (new chunks bring theirs)."""
        try:
            while names := await asyncio.to_thread(
                self._vectors.names_without_vectors, self._batch_size
            ):
                await self._resumed.wait()
                vectors = await self._embedding.embed(names)
                await asyncio.to_thread(
                    self._vectors.add_name_vectors, dict(zip(names, vectors, strict=True))
                )
        except Exception as exc:
            log.warning("name views not embedded (search reranks without them): %s", exc)
        finally:
            self._names_backfilled = True

    async def _vectors_for(
        self, batch: list[PendingChunk], previous: asyncio.Future[BatchVectors] | None
    ) -> BatchVectors:
        """Chunk vectors by content hash, from the cache where possible, else from the
        model; in the same model call, name-view vectors for names not seen before.

        The cache look-ups overlap the `previous` batch's model call, but the model is
        asked only after it: batches reach the model in order, so open files go first."""
        hashes = [chunk.content_hash for chunk in batch]
        names = {name_text(str(c.metadata["symbol"]), c.path) for c in batch}
        cached, known = await asyncio.gather(
            asyncio.to_thread(self._vectors.cached_vectors, hashes),
            asyncio.to_thread(self._vectors.name_vectors, names),
        )
        todo = {c.content_hash: c.embed_text for c in batch if c.content_hash not in cached}
        new_names = sorted(names - known.keys())
        self._ready(len(batch) - sum(1 for c in batch if c.content_hash in todo))
        fresh: dict[str, list[float]] = {}
        if previous is not None:
            await asyncio.wait([previous])  # its outcome is the caller's concern
        if todo or new_names:
            first_name = len(todo)
            per_hash = {h: sum(1 for c in batch if c.content_hash == h) for h in todo}
            weights = [per_hash[h] for h in todo]  # chunks sharing content share a vector

            def on_slice(part: list[int]) -> None:
                self._ready(sum(weights[i] for i in part if i < first_name))

            vectors = await self._embedding.embed([*todo.values(), *new_names], on_slice=on_slice)
            cached.update(zip(todo, vectors[: len(todo)], strict=True))
            fresh = dict(zip(new_names, vectors[len(todo) :], strict=True))
        return BatchVectors(cached, fresh)

    @property
    def chunks_done(self) -> int | None:
        """Chunks embedded, counting those whose vectors wait to be stored (None: no pass)."""
        return None if self._base is None else self._base + self._stored + self._vectors_ready

    def _ready(self, chunks: int) -> None:
        if chunks:
            self._vectors_ready += chunks
            self._on_vectors(chunks)

    async def _store_batch(self, batch: list[PendingChunk], vectors: BatchVectors) -> None:
        store = self._sync.store
        assert store is not None
        async with self._sync.lock:
            ids = [chunk.id for chunk in batch]
            live = set(
                await asyncio.to_thread(self._vectors.begin_add, ids, vectors.chunks, vectors.names)
            )
            rows = [chunk for chunk in batch if chunk.id in live]
            if not rows:
                self._vectors_ready -= len(batch)  # every chunk of it was counted ready
                return
            log.debug("writing %d vectors", len(rows))
            await asyncio.to_thread(
                store.upsert,
                [chunk.id for chunk in rows],
                [vectors.chunks[chunk.content_hash] for chunk in rows],
                [chunk.metadata for chunk in rows],
            )
            files = await asyncio.to_thread(
                self._vectors.confirm_added, [chunk.id for chunk in rows]
            )
        self._vectors_ready -= len(batch)  # every chunk of it was counted ready
        self._stored += len(rows)
        self._on_stored(len(rows), files)
