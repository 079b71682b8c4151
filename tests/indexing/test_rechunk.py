"""An index chunked by another chunker version or budget is re-chunked, and says so."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from server.config import Settings
from server.indexing.chunking import TokenCounter, chunker_fingerprint
from server.indexing.indexer import WorkspaceIndex
from server.indexing.keyword_scan import CHUNKER_META
from server.indexing.progress import ProgressEvent
from tests.indexing.counting_embedder import CountingEmbedder
from tests.indexing.fixture_repo import make_repo
from tests.indexing.running import TIMEOUT, running


def _mark_chunks_stale(catalog_file: Path) -> None:
    """Stand-in for chunks an older chunker made: other ids (content differs), another kind."""
    with sqlite3.connect(catalog_file) as db:
        db.execute("UPDATE chunks SET id = 'v1-' || id, kind = 'stale'")
        for path, ids in db.execute("SELECT path, chunk_ids FROM files").fetchall():
            renamed = json.dumps([f"v1-{cid}" for cid in json.loads(ids)])
            db.execute("UPDATE files SET chunk_ids = ? WHERE path = ?", (renamed, path))


def _kinds(catalog_file: Path) -> set[str]:
    with sqlite3.connect(catalog_file) as db:
        return {row[0] for row in db.execute("SELECT DISTINCT kind FROM chunks")}


async def test_same_chunker_keeps_chunks_another_rechunks_with_a_notice(
    tmp_path: Path, settings: Settings, embedder: CountingEmbedder
) -> None:
    repo = make_repo(tmp_path / "repo")
    catalog_file = settings.data_dir / "index.sqlite3"
    async with running(repo, settings, embedder) as index:
        assert (await index.wait_until_complete(TIMEOUT)).complete
        fingerprint = chunker_fingerprint(settings.chunk_size)
        assert index.catalog.db.get_meta(CHUNKER_META) == fingerprint
    _mark_chunks_stale(catalog_file)

    async with running(repo, settings, embedder) as index:  # same chunker: nothing re-read
        assert (await index.wait_until_complete(TIMEOUT)).complete
    assert _kinds(catalog_file) == {"stale"}

    with sqlite3.connect(catalog_file) as db:  # as an index made by chunker v1
        db.execute("INSERT OR REPLACE INTO meta VALUES (?, 'v1 budget=256')", (CHUNKER_META,))
    seen: list[str] = []
    holder: list[WorkspaceIndex] = []

    def on_progress(event: ProgressEvent) -> None:
        if holder:
            seen.extend(holder[0].status().warnings)

    index = await WorkspaceIndex.open(
        repo, settings.data_dir, settings, embedder, listeners=[on_progress]
    )
    holder.append(index)  # before the first await: the workers have not run yet
    try:
        status = await index.wait_until_complete(TIMEOUT)
        assert status.complete and not status.warnings  # the notice leaves when done
        assert index.catalog.db.get_meta(CHUNKER_META) == fingerprint
    finally:
        await index.close()
    assert "stale" not in _kinds(catalog_file)
    assert any("re-chunking every file" in w and "v1 budget=256" in w for w in seen)


async def test_a_new_budget_rechunks_within_it(
    tmp_path: Path, settings: Settings, embedder: CountingEmbedder
) -> None:
    repo = make_repo(tmp_path / "repo")
    async with running(repo, settings, embedder) as index:
        await index.wait_until_complete(TIMEOUT)
        before = index.catalog.counts().chunks
    small = settings.model_copy(update={"chunk_size": 64})
    async with running(repo, small, embedder) as index:
        assert (await index.wait_until_complete(TIMEOUT)).complete
        assert index.catalog.db.get_meta(CHUNKER_META) == chunker_fingerprint(64)
        assert index.catalog.counts().chunks > before
    counter = TokenCounter()
    with sqlite3.connect(settings.data_dir / "index.sqlite3") as db:
        texts = [row[0] for row in db.execute("SELECT embed_text FROM chunks")]
    assert texts and max(counter(t) for t in texts) + 2 <= 64
