"""Opening one workspace's stores, off the event loop: the catalog, the tokenizer chunks are
measured with, the vector store, then crash recovery (`vector_sync.py`).

A vector store that cannot open is not fatal: the index runs keyword-only and says why.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from server.config import Settings
from server.indexing.catalog import Catalog
from server.indexing.embedder import Embedder
from server.indexing.keyword_scan import load_token_counter
from server.indexing.vector_store import VectorStore, open_chroma
from server.indexing.vector_sync import VectorSync

log = logging.getLogger(__name__)

SCANNED_META = "full_scan_done"  # catalog meta key: the index was scanned through once


@dataclass(frozen=True)
class OpenedStores:
    """Everything an index needs from disk before its workers start."""

    catalog: Catalog
    store: VectorStore | None
    store_error: str  # why `store` is None ("" when it is not)
    sync: VectorSync
    count_tokens: Callable[[str], int]
    scanned: bool  # a full scan finished in an earlier run


async def open_stores(
    root: Path, data_dir: Path, settings: Settings, embedder: Embedder
) -> OpenedStores:
    """Open and recover; every blocking step runs in a worker thread."""
    catalog = await asyncio.to_thread(Catalog, data_dir / "index.sqlite3")
    store: VectorStore | None = None
    try:
        scanned = await asyncio.to_thread(catalog.db.get_meta, SCANNED_META) == "yes"
        count_tokens = await asyncio.to_thread(load_token_counter, settings, embedder)
        store_error = ""
        try:
            store = await asyncio.to_thread(open_chroma, settings, data_dir, root, embedder.name)
        except Exception as exc:
            log.exception("vector store unavailable; keyword search only")
            store_error = f"vector store unavailable: {exc}"
        sync = VectorSync(catalog, store)
        await asyncio.to_thread(sync.adopt_model, embedder.name)
        await sync.recover()
    except BaseException:  # nothing half-open is left behind
        if store is not None:
            store.close()
        catalog.close()
        raise
    return OpenedStores(catalog, store, store_error, sync, count_tokens, scanned)


async def remember_scanned(catalog: Catalog) -> None:
    """The first full scan finished: the next open only re-checks."""
    await asyncio.to_thread(catalog.db.set_meta, SCANNED_META, "yes")
