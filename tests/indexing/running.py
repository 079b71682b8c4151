"""An index opened for the length of a block, and how long the end-to-end tests wait."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from server.config import Settings
from server.indexing.embedder import Embedder
from server.indexing.indexer import WorkspaceIndex

TIMEOUT = 120


@asynccontextmanager
async def running(
    root: Path, settings: Settings, embedder: Embedder, data: Path | None = None
) -> AsyncIterator[WorkspaceIndex]:
    index = await WorkspaceIndex.open(root, data or settings.data_dir, settings, embedder)
    try:
        yield index
    finally:
        await index.close()
