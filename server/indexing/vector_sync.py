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


class VectorSync:
    """Deletes, crash recovery and model adoption for one catalog and its (optional) store."""

    def __init__(self, catalog: Catalog, store: VectorStore | None) -> None:
        self.catalog = catalog
        self.store = store
        self.lock = asyncio.Lock()
        self.dirty = False

    def adopt_model(self, model: str) -> None:
        """Vectors of another model are void: forget them (the store recreated its side)."""
        previous = self.catalog.db.get_meta("embedder")
        if previous != model:
            if previous is not None:
                log.info("embedding model changed (%s -> %s)", previous, model)
                self.catalog.vectors.forget_vectors()
            self.catalog.db.set_meta("embedder", model)

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
