"""Secret files never reach the index, the embedding model or search results.

Real model, embedded Chroma, the keyword index. Each secret file carries a unique marker
word; neither the catalog, nor any text sent to the embedder, nor keyword or hybrid search
may show one.
"""

from __future__ import annotations

import os
from pathlib import Path

from server.config import Settings
from server.indexing.indexer import WorkspaceIndex
from server.secret_rules import HARD_LINK
from server.services import Services
from tests.indexing.counting_embedder import CountingEmbedder
from tests.security.secret_fixtures import make_secret_repo

TIMEOUT = 120


async def test_secrets_by_name_link_and_content_stay_out_of_every_index(
    tmp_path: Path, settings: Settings, embedder: CountingEmbedder
) -> None:
    repo = tmp_path / "repo"
    markers = make_secret_repo(repo)
    (repo / "deploy.env").write_text("HARD_LINKED_MARKER_7\n")  # a secret by name...
    os.link(repo / "deploy.env", repo / "deploy_notes.txt")  # ...reached by an ordinary name
    markers["deploy_notes.txt"] = "HARD_LINKED_MARKER_7"
    index = await WorkspaceIndex.open(repo, settings.data_dir, settings, embedder)
    try:
        status = await index.wait_until_complete(TIMEOUT)
        assert status.complete
        assert index.discovery.skip_reason(repo / "deploy_notes.txt") == (f"secret ({HARD_LINK})")
        indexed = set(index.catalog.files())
        assert "math_utils.py" in indexed and "net/http_client.py" in indexed  # control
        leaked = indexed & set(markers)
        assert not leaked and not any(p.startswith("real/") for p in indexed)
        embedded = "\n".join(embedder.texts)
        assert "fibonacci" in embedded  # control: ordinary code was embedded
        assert [m for m in markers.values() if m in embedded] == []
        for rel, word in markers.items():
            for retrievers in (("keyword",), ("dense", "keyword")):
                response = await index.search(word, k=20, retrievers=retrievers)
                assert all(word not in r.snippet for r in response.results), rel
                assert all(r.path not in markers for r in response.results), rel
        hit = await index.search("fibonacci", retrievers=("keyword",))
        assert hit.results and hit.results[0].path == "math_utils.py"  # control
    finally:
        await index.close()


async def test_search_withholds_a_file_that_became_a_secret_link(
    tmp_path: Path, settings: Settings, embedder: CountingEmbedder
) -> None:
    """An index from before a file turned secret (or from older rules) shows nothing."""
    repo = tmp_path / "repo"
    (repo / "real").mkdir(parents=True)
    (repo / "notes.txt").write_text("quarterly zqplanningmarker notes\n")
    (repo / "real" / ".env").write_text("TOKEN=zqplanningmarker\n")
    services = await Services.open(settings, embedder=embedder)
    try:
        index = (await services.add_workspace(repo)).index
        await index.wait_until_complete(TIMEOUT)
        before = await services.search("zqplanningmarker", retrievers=("keyword",))
        assert [f.result.path for f in before.found] == ["notes.txt"]
        (repo / "notes.txt").unlink()
        os.symlink("real/.env", repo / "notes.txt")  # the watcher is off: the index is stale
        after = await services.search("zqplanningmarker", retrievers=("keyword",))
        assert after.found == []
        assert "1 result(s) withheld: they hold secrets" in after.warnings
    finally:
        await services.close()
