"""`VectorSync`: keeps the vector store in step with the catalog, SQLite being the source of truth.

It owns the write lock that every catalog change with a vector-store side holds (so intents
and store writes never interleave), and the `dirty` flag: a store write failed, and
`recover()` must succeed before the next embedding pass. Recovery replays leftover intents,
then makes store ids and embedded chunk ids agree; it never needs the model, because vectors
are cached by content hash in SQLite.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from server.indexing.catalog import Catalog
from server.indexing.vector_store import VectorStore

log = logging.getLogger(__name__)

EMBEDDER_META = "embedder"
# The model whose vectors were dropped for a new one; "" once the new one covers everything.
REEMBEDDING_META = "reembedding_from"


class VectorSync:
    """Deletes, crash recovery and model adoption for one catalog and its (optional) store."""

    def __init__(self, catalog: Catalog, store: VectorStore | None) -> None:
        self.catalog = catalog
        self.store = store
        self.lock = asyncio.Lock()
        self.dirty = False
        self.model = ""
        self.replaced_model = ""

    def adopt_model(self, model: str) -> None:
        """Vectors of another model are void: forget them (the store recreated its side).

        The change is remembered in the catalog until every chunk has a vector of the new
        model, so a rebuild interrupted by a restart still says why search is partial."""
        self.model = model
        previous = self.catalog.db.get_meta(EMBEDDER_META)
        if previous != model:
            if previous is not None:
                log.info("embedding model changed (%s -> %s)", previous, model)
                self.catalog.vectors.forget_vectors()
                self.catalog.db.set_meta(REEMBEDDING_META, previous)
            self.catalog.db.set_meta(EMBEDDER_META, model)
        self.replaced_model = self.catalog.db.get_meta(REEMBEDDING_META) or ""

    @property
    def model_notice(self) -> str:
        """Why semantic search is partial after a model change ("" when it is not)."""
        if not self.replaced_model:
            return ""
        return (
            f"re-embedding every chunk: the index was embedded by {self.replaced_model}, "
            f"this version embeds with {self.model}; semantic results cover only the chunks "
            "embedded so far until indexing completes"
        )

    def settle_model_change(self) -> None:
        """Forget a model change once every chunk has a vector of the new model."""
        counts = self.catalog.counts()
        if self.replaced_model and counts.chunks_embedded >= counts.chunks:
            log.info("re-embedding after the model change is complete")
            self.catalog.db.set_meta(REEMBEDDING_META, "")
            self.replaced_model = ""

    async def recover(self) -> None:
        """Replay intents, then make store ids and embedded chunk ids agree."""
        if self.store is None:
            return
        try:
            async with self.lock:
                await asyncio.to_thread(self._recover_sync)
            self.dirty = False
        except Exception as exc:
            log.warning("vector store recovery failed: %s", exc)
            self.dirty = True

    def _recover_sync(self) -> None:
        assert self.store is not None
        bookkeeping = self.catalog.vectors
        intents = list(bookkeeping.intents())
        if intents:
            log.info("replaying %d interrupted vector writes", len(intents))
            self.store.delete(intents)
            bookkeeping.settle_unconfirmed(intents)
        vectors = self.store.ids()
        embedded = bookkeeping.embedded_ids()
        known = set(self.catalog.chunk_ids())
        orphans = vectors - known
        if orphans:
            log.info("removing %d orphan vectors", len(orphans))
            self.store.delete(sorted(orphans))
        adopted = (vectors & known) - embedded
        if adopted:
            bookkeeping.confirm_added(sorted(adopted))
        missing = embedded - vectors
        if missing:
            log.info("%d chunks lost their vectors; re-adding", len(missing))
            bookkeeping.mark_unembedded(missing)
        bookkeeping.settle_files_without_chunks()

    async def delete(self, ids: Sequence[str]) -> None:
        """Delete from the store, then clear the intents (caller holds the lock)."""
        if not ids or self.store is None:
            return
        log.debug("deleting %d vectors", len(ids))
        try:
            await asyncio.to_thread(self.store.delete, ids)
        except Exception as exc:
            log.warning("vector delete failed (replayed later): %s", exc)
            self.dirty = True
            return
        await asyncio.to_thread(self.catalog.vectors.clear_intents, ids)
