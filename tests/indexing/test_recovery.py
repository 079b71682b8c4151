"""Deterministic crash points: a process that died between the SQLite intent and the
vector-store write, or between the write and its confirmation."""

from __future__ import annotations

from pathlib import Path

from server.config import Settings
from server.indexing.catalog import Catalog
from server.indexing.consistency import consistency_report
from server.indexing.indexer import WorkspaceIndex
from server.indexing.vector_store import open_chroma
from tests.indexing.conftest import CountingEmbedder
from tests.indexing.fixture_repo import make_repo

TIMEOUT = 120


async def build(root: Path, settings: Settings, embedder: CountingEmbedder) -> None:
    index = await WorkspaceIndex.open(root, settings.data_dir, settings, embedder)
    await index.wait_until_complete(TIMEOUT)
    await index.close()


async def test_unconfirmed_writes_and_orphans_are_repaired_without_the_model(
    tmp_path: Path, settings: Settings, real_embedder
) -> None:
    root = make_repo(tmp_path / "repo")
    await build(root, settings, CountingEmbedder(real_embedder))

    data = settings.data_dir
    catalog = Catalog(data / "index.sqlite3")
    store = open_chroma(settings, data, root, real_embedder.name)
    embedded = sorted(catalog.vectors.embedded_ids())
    # died after upsert, before confirm: chunks unmarked, intents left behind
    catalog.vectors.settle_unconfirmed(embedded[:3])
    catalog.vectors.begin_add(embedded[:3], {})
    # died after the catalog dropped a file, before the vector delete
    gone = catalog.remove_files(["math_utils.py"])
    # a vector nobody knows about, and a confirmed chunk whose vector is missing
    store.upsert(["orphan"], [[1.0] + [0.0] * 383], [{"path": "nowhere.py"}])
    store.delete([embedded[-1]])
    raw = consistency_report(catalog, store)
    assert raw.pending_intents == 3 + len(gone)
    assert not raw.ok  # the orphan and the lost vector are outside any intent
    catalog.close()

    after = CountingEmbedder(real_embedder)
    index = await WorkspaceIndex.open(root, data, settings, after)
    try:
        status = await index.wait_until_complete(TIMEOUT)
        report = await index.consistency_report()
        assert report.ok and report.pending_intents == 0, report.problems
        assert status.complete and index.symbols("fibonacci")  # math_utils.py re-added
        assert report.vectors == status.chunks
    finally:
        await index.close()
    # re-added vectors came from the SQLite cache; only math_utils.py (re-chunked) is new
    assert all("fibonacci" in text or "is_prime" in text for text in after.texts)
