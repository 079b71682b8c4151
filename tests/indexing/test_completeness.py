"""One meaning of `complete` for the CLI, REST and LSP: every file keyword-indexed and
embedded, nothing pending. A restarted index re-checks the tree for changes made while
nothing ran; that re-check does not make a complete index incomplete."""

from __future__ import annotations

from pathlib import Path

from server.config import Settings
from server.indexing.indexer import WorkspaceIndex
from tests.indexing.counting_embedder import CountingEmbedder
from tests.indexing.fixture_repo import make_repo

TIMEOUT = 120


async def test_restart_of_a_complete_index_is_complete_at_once(
    tmp_path: Path, settings: Settings, embedder: CountingEmbedder
) -> None:
    root = make_repo(tmp_path / "repo")
    first = await WorkspaceIndex.open(root, settings.data_dir, settings, embedder)
    assert not first.status().complete  # never scanned through: not complete, even empty
    try:
        assert (await first.wait_until_complete(TIMEOUT)).complete
    finally:
        await first.close()

    again = await WorkspaceIndex.open(root, settings.data_dir, settings, embedder)
    try:
        status = again.status()
        assert status.phase in ("scanning", "keyword")  # the start-up re-check is still running
        assert status.complete, status
        response = await again.search("parse the http response")
        assert response.complete and not any("incomplete" in w for w in response.warnings)
        await again.wait_until_complete(TIMEOUT)
        (root / "new_module.py").write_text("def brand_new():\n    return 1\n")
        await again.reindex()  # an explicit re-index is real pending work
        assert not again.status().complete
        status = await again.wait_until_complete(TIMEOUT)
        assert status.complete and status.files_total == status.files_embedded
    finally:
        await again.close()
