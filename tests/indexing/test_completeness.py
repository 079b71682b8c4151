"""One meaning of `complete` for the CLI, REST, LSP and MCP: every file keyword-indexed and
embedded, nothing pending. A restarted index re-checks the tree for changes made while
nothing ran; until that re-check ran it is not complete (files may have changed), and it
never says complete and then takes it back."""

from __future__ import annotations

from pathlib import Path

from server.config import Settings
from server.indexing.indexer import WorkspaceIndex
from tests.indexing.counting_embedder import CountingEmbedder
from tests.indexing.fixture_repo import make_repo

TIMEOUT = 120


async def test_restart_is_incomplete_until_the_disk_was_checked_then_stays_complete(
    tmp_path: Path, settings: Settings, embedder: CountingEmbedder
) -> None:
    root = make_repo(tmp_path / "repo")
    first = await WorkspaceIndex.open(root, settings.data_dir, settings, embedder)
    assert not first.status().complete  # never scanned through: not complete, even empty
    try:
        assert (await first.wait_until_complete(TIMEOUT)).complete
    finally:
        await first.close()
    embedded = len(embedder.texts)

    # a file written while nothing ran: only the start-up re-check can find it
    (root / "offline_edit.py").write_text("def edited_offline():\n    return 2\n")
    again = await WorkspaceIndex.open(root, settings.data_dir, settings, embedder)
    try:
        status = again.status()  # `open` returned; the workers have not run yet
        assert status.phase == "scanning" and not status.complete, status
        response = await again.search("parse the http response")
        assert not response.complete and response.results  # last run's files are searchable
        assert any("not yet checked against the disk" in w for w in response.warnings)
        seen: list[bool] = []
        again.add_progress_listener(lambda _: seen.append(again.status().complete))
        status = await again.wait_until_complete(TIMEOUT)
        seen.append(status.complete)
        assert status.complete and status.files_total == status.files_keyword_indexed
        assert "offline_edit.py" in again.catalog.files()
        assert all(seen[seen.index(True) :]), seen  # once complete, never taken back
        new = [t for t in embedder.texts[embedded:] if "parse the http response" not in t]
        assert new and all("edited" in t for t in new), new  # its chunk and name only
        (root / "new_module.py").write_text("def brand_new():\n    return 1\n")
        await again.reindex()  # an explicit re-index is real pending work
        assert not again.status().complete
        status = await again.wait_until_complete(TIMEOUT)
        assert status.complete and status.files_total == status.files_embedded
    finally:
        await again.close()


async def test_waiting_for_the_check_covers_the_disk_not_the_embeddings(
    tmp_path: Path, settings: Settings, embedder: CountingEmbedder
) -> None:
    """What the CLI's one-shot search waits for: a file edited while nothing ran is keyword
    indexed once the wait returns; its embedding may still be due (and is reported so)."""
    root = make_repo(tmp_path / "repo")
    first = await WorkspaceIndex.open(root, settings.data_dir, settings, embedder)
    try:
        await first.wait_until_complete(TIMEOUT)
    finally:
        await first.close()
    (root / "offline_edit.py").write_text("def edited_offline():\n    return 2\n")
    again = await WorkspaceIndex.open(root, settings.data_dir, settings, embedder)
    try:
        again.pause()  # embedding waits: only the keyword side can finish
        assert await again.wait_until_checked(TIMEOUT)
        status = again.status()
        assert "offline_edit.py" in again.catalog.files()
        assert status.files_keyword_indexed == status.files_total
        assert not status.complete and status.files_embedded < status.files_total
        response = await again.search("edited offline")
        assert response.results[0].path == "offline_edit.py"  # found by its keywords
    finally:
        await again.close()
