"""WorkspaceIndex end to end with the real model and embedded or server Chroma."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from server.config import Settings
from server.indexing.catalog import Catalog
from server.indexing.indexer import WorkspaceIndex
from server.indexing.progress import ProgressEvent
from server.services import Services
from tests.indexing.counting_embedder import CountingEmbedder
from tests.indexing.fixture_repo import make_repo
from tests.indexing.running import TIMEOUT, running


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


async def test_builds_and_hybrid_search_finds_the_function(
    repo: Path, settings: Settings, embedder: CountingEmbedder
) -> None:
    events: list[ProgressEvent] = []
    index = await WorkspaceIndex.open(
        repo, settings.data_dir, settings, embedder, listeners=[events.append]
    )
    try:
        status = await index.wait_until_complete(TIMEOUT)
        assert status.complete and status.state == "idle"
        assert status.files_total == status.files_embedded >= 4  # 3 .py files and guide.md
        response = await index.search("parse the status line and headers of an http response")
        top = response.results[0]
        assert (top.path, top.symbol) == ("net/http_client.py", "parse_http_response")
        assert set(top.retrievers) == {"dense", "keyword"}
        assert "def parse_http_response" in top.snippet
        assert response.complete and not response.warnings
        dense_only = await index.search("evict the least recently used entry")
        assert dense_only.results[0].path == "storage/cache.py"
        assert all(r.path != "ignored/skip_me.py" for r in (await index.search("hidden")).results)
        assert (await index.consistency_report()).ok
        assert [e.kind for e in events][0] == "begin" and events[-1].kind == "end"
        final = events[-1].progress
        assert final.phase == "done" and final.done == final.total == status.files_total
    finally:
        await index.close()


async def test_filters_by_language_and_path_glob(
    repo: Path, settings: Settings, embedder: CountingEmbedder
) -> None:
    async with running(repo, settings, embedder) as index:
        await index.wait_until_complete(TIMEOUT)
        docs = await index.search("certificate", languages=["markdown"])
        assert docs.results and {r.language for r in docs.results} == {"markdown"}
        assert docs.results[0].path == "docs/guide.md"
        only_storage = await index.search("fibonacci number", paths=["storage/**"])
        assert {r.path for r in only_storage.results} == {"storage/cache.py"}
        python = await index.search("certificate rotation", languages=["python"], k=3)
        assert all(r.language == "python" for r in python.results)


async def test_symbols(repo: Path, settings: Settings, embedder: CountingEmbedder) -> None:
    async with running(repo, settings, embedder) as index:
        await index.wait_until_complete(TIMEOUT)
        found = index.symbols("prime")
        assert [(s.name, s.path) for s in found] == [("is_prime", "math_utils.py")]
        assert index.symbols("") == []


async def test_reconcile_after_edit_delete_rename_and_touch(
    repo: Path, settings: Settings, real_embedder
) -> None:
    first = CountingEmbedder(real_embedder)
    async with running(repo, settings, first) as index:
        await index.wait_until_complete(TIMEOUT)
        chunks_before = index.status().chunks
    assert first.texts

    math = repo / "math_utils.py"
    math.write_text(math.read_text().replace("Trial division", "Naive trial division"))
    (repo / "docs/guide.md").unlink()
    (repo / "storage/cache.py").rename(repo / "storage/lru.py")
    http = repo / "net/http_client.py"
    stat = http.stat()
    os.utime(http, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))

    second = CountingEmbedder(real_embedder)
    async with running(repo, settings, second) as index:
        status = await index.wait_until_complete(TIMEOUT)
        assert status.complete
        assert (await index.consistency_report()).ok
        paths = {r.path for r in (await index.search("cache eviction", k=20)).results}
        assert "storage/lru.py" in paths and "storage/cache.py" not in paths
        assert not (await index.search("TLS certificate", languages=["markdown"])).results
        assert index.status().chunks < chunks_before  # guide.md is gone
    embedded = "\n".join(second.texts)
    assert "Naive trial division" in embedded and "evict_oldest" in embedded
    assert "parse_http_response" not in embedded  # touched only: not re-embedded
    assert "fibonacci" not in embedded.lower()  # unchanged chunk of an edited file


async def test_watcher_and_notify_changed_keep_the_index_current(
    repo: Path, settings: Settings, embedder: CountingEmbedder
) -> None:
    watching = settings.model_copy(update={"watch_files": True, "index_debounce_ms": 100})
    async with running(repo, watching, embedder) as index:
        await index.wait_until_complete(TIMEOUT)
        (repo / "net/retry.py").write_text(
            "def retry_with_backoff(call, attempts=3):\n"
            '    """Retry a flaky call with exponential backoff."""\n'
            "    return call()\n"
        )
        (repo / "math_utils.py").unlink()
        for _ in range(100):
            await asyncio.sleep(0.1)
            if index.symbols("retry_with_backoff") and not index.symbols("fibonacci"):
                break
        await index.wait_until_complete(TIMEOUT)
        assert index.symbols("retry_with_backoff") and not index.symbols("fibonacci")
        result = (await index.search("exponential backoff retries")).results[0]
        assert result.path == "net/retry.py" and "dense" in result.retrievers

    quiet = settings.model_copy(update={"watch_files": False, "index_debounce_ms": 50})
    async with running(repo, quiet, embedder) as index:
        await index.wait_until_complete(TIMEOUT)
        (repo / "net/retry.py").write_text("def retry_forever(call):\n    return call()\n")
        index.notify_changed([repo / "net/retry.py"])
        await asyncio.sleep(0.3)
        await index.wait_until_complete(TIMEOUT)
        assert index.symbols("retry_forever") and not index.symbols("retry_with_backoff")
        assert (await index.consistency_report()).ok


async def test_keyword_search_works_before_embeddings(
    repo: Path, settings: Settings, embedder: CountingEmbedder
) -> None:
    index = await WorkspaceIndex.open(repo, settings.data_dir, settings, embedder, paused=True)
    index.prioritize([repo / "math_utils.py"])
    try:
        for _ in range(100):
            if index.status().phase not in ("scanning", "keyword"):
                break
            await asyncio.sleep(0.1)
        status = index.status()
        assert status.state == "paused" and not status.complete and status.files_embedded == 0
        response = await index.search("fibonacci")
        assert not response.complete
        assert response.results[0].symbol == "fibonacci"
        assert response.results[0].retrievers == ["keyword"]
        assert any("incomplete" in w for w in response.warnings)
        index.resume()
        assert (await index.wait_until_complete(TIMEOUT)).complete
        first_indexed = next(text for text in embedder.texts if text != "fibonacci")
        assert "math_utils.py" in first_indexed  # the prioritized file went first
    finally:
        await index.close()


async def test_chroma_server_mode_and_health(
    repo: Path, settings: Settings, embedder: CountingEmbedder, chroma_url: str
) -> None:
    host, port = chroma_url.removeprefix("http://").split(":")
    server = settings.model_copy(update={"chromadb_host": host, "chromadb_port": int(port)})
    async with running(repo, server, embedder) as index:
        await index.wait_until_complete(TIMEOUT)
        health = index.health()
        assert {k: h.status for k, h in health.items()} == {
            "index": "ok",
            "vector_store": "ok",
            "embeddings": "ok",
        }
        assert "http" in health["vector_store"].reason
        top = (await index.search("nth fibonacci number")).results[0]
        assert top.symbol == "fibonacci" and "dense" in top.retrievers
        assert (await index.consistency_report()).ok


async def test_unreachable_server_degrades_to_embedded(
    repo: Path, settings: Settings, embedder: CountingEmbedder
) -> None:
    from tests.support.ports import free_port

    broken = settings.model_copy(
        update={"chromadb_host": "127.0.0.1", "chromadb_port": free_port()}
    )
    async with running(repo, broken, embedder) as index:
        status = await index.wait_until_complete(TIMEOUT)
        assert status.complete
        assert index.health()["vector_store"].status == "degraded"
        assert any("unreachable" in w for w in status.warnings)
        response = await index.search("fibonacci")
        assert "dense" in response.results[0].retrievers
        assert any("unreachable" in w for w in response.warnings)


async def test_reranked_search_name_views_and_live_weights(
    repo: Path, settings: Settings, embedder: CountingEmbedder
) -> None:
    query = "parse the status line and headers of an http response"
    async with running(repo, settings, embedder) as index:
        await index.wait_until_complete(TIMEOUT)
        assert index.catalog is not None and index.catalog.vectors.names_without_vectors(1000) == []
        reranked = (await index.search(query)).results
        scores = [r.score for r in reranked]
        assert reranked[0].symbol == "parse_http_response"
        # the reranker's probability times the priors' factors (search_priors): may pass 1
        assert all(s >= 0 for s in scores) and scores == sorted(scores, reverse=True)
        index.apply_settings(
            settings.model_copy(update={"search_rerank": False, "search_keyword_weight": 0.0})
        )
        fused = (await index.search(query)).results
        assert fused[0].score == round(1 / 31, 6)  # dense rank 1 alone: weight 1 / (30 + 1)
    # an index from before name views: they are embedded on the next start
    catalog = Catalog(settings.data_dir / "index.sqlite3")
    with catalog.db.transaction() as tx:
        tx.execute("DELETE FROM name_vectors")
        tx.execute("DELETE FROM meta WHERE key = 'name_views'")
    names = catalog.vectors.names_without_vectors(1000)
    catalog.close()
    assert "parse http response" in names
    embedder.texts.clear()
    async with running(repo, settings, embedder) as index:
        await index.wait_until_complete(TIMEOUT)
        assert index.catalog is not None and index.catalog.vectors.names_without_vectors(1000) == []
        assert sorted(embedder.texts) == sorted(names)  # no chunk was embedded again


async def test_new_settings_reach_open_indexes(
    repo: Path, settings: Settings, embedder: CountingEmbedder
) -> None:
    services = await Services.open(settings, embedder=embedder)
    try:
        index = (await services.add_workspace(repo)).index
        await index.wait_until_complete(TIMEOUT)
        await services.update_settings(
            settings.model_copy(update={"ignore_globs": ["generated/"], "search_rerank": False})
        )
        assert not index.weights.rerank
        (repo / "generated").mkdir()
        (repo / "generated" / "tables.py").write_text("def lookup_table_row():\n    pass\n")
        (repo / "lookup.py").write_text("def lookup_table_column():\n    pass\n")
        index.notify_changed([repo / "generated" / "tables.py", repo / "lookup.py"])
        await asyncio.sleep(settings.index_debounce_ms / 1000 + 0.2)
        await index.wait_until_complete(TIMEOUT)
        found = {r.symbol for r in (await index.search("lookup table", k=20)).results}
        assert "lookup_table_column" in found and "lookup_table_row" not in found
    finally:
        await services.close()
