"""SQLite catalog + FTS5 and the Chroma store, both modes, with the real model."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.config import Settings
from server.indexing.catalog import Catalog, FileRecord
from server.indexing.catalog_db import Counts
from server.indexing.chunk import Chunk
from server.indexing.vector_store import ChromaVectorStore, collection_name, open_chroma


def chunk(path: str, symbol: str, text: str, start: int = 1) -> Chunk:
    end = start + text.count("\n")
    header = f"# {path} {symbol}\n"
    return Chunk(path, "python", symbol, "function", start, end, text, header + text)


def record(path: str, sha: str = "s1") -> FileRecord:
    return FileRecord(path, 10, 1, sha, "python")


def test_fts_finds_split_identifiers_with_symbol_weight(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "index.sqlite3")
    catalog.replace_file(
        record("net/http.py"),
        [
            chunk("net/http.py", "parseHTTPResponse", "def parseHTTPResponse(raw):\n    pass"),
            chunk("net/http.py", "send", "def send(req):\n    # parse the response later", 5),
        ],
    )
    catalog.replace_file(record("util.py"), [chunk("util.py", "noop", "def noop():\n    pass")])
    rows = catalog.keyword_search("http response parser", 10)
    assert [row.symbol for row in rows][:2] == ["parseHTTPResponse", "send"]
    assert catalog.keyword_search("parse_http_response", 1)[0].symbol == "parseHTTPResponse"
    assert catalog.keyword_search("noop", 5, languages=["go"]) == []
    assert [s.symbol for s in catalog.symbols("parse", 10)] == ["parseHTTPResponse"]


def test_replace_keeps_surviving_chunks_and_logs_stale_vectors(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "index.sqlite3")
    a, b = chunk("m.py", "a", "def a(): pass"), chunk("m.py", "b", "def b(): pass", 3)
    catalog.replace_file(record("m.py"), [a, b])
    live = catalog.vectors.begin_add(
        [a.id, b.id], {a.content_hash: [1.0, 0.0], b.content_hash: [0, 1]}
    )
    assert sorted(live) == sorted([a.id, b.id])
    catalog.vectors.confirm_added(live)
    assert catalog.files()["m.py"].state == "embedded" and not catalog.vectors.intents()
    b2 = chunk("m.py", "b", "def b(): return 2", 3)
    stale = catalog.replace_file(record("m.py", "s2"), [a, b2])
    assert stale == [b.id]
    assert catalog.vectors.intents() == {b.id: "delete"}
    assert catalog.vectors.embedded_ids() == {a.id}
    assert catalog.files()["m.py"].state == "keyword"
    assert [p.id for p in catalog.vectors.pending(10, set())] == [b2.id]
    assert catalog.vectors.cached_vectors([a.content_hash]) == {a.content_hash: [1.0, 0.0]}
    assert catalog.remove_files(["m.py"]) == [a.id]
    assert catalog.counts().chunks == 0 and catalog.fts_rows() == (0, 0)


def _store_roundtrip(store: ChromaVectorStore) -> None:
    store.upsert(
        ["a", "b", "c"],
        [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.7, 0.7, 0.0]],
        [
            {"path": "a.py", "language": "python"},
            {"path": "b.go", "language": "go"},
            {"path": "a.py", "language": "python"},
        ],
    )
    hits = store.query([1.0, 0.1, 0.0], 3)
    assert [h.id for h in hits] == ["a", "c", "b"]
    assert hits[0].distance < 0.01  # cosine space
    assert [h.id for h in store.query([1.0, 0.0, 0.0], 3, {"language": {"$in": ["go"]}})] == ["b"]
    store.delete(["a", "c"])
    assert store.ids() == {"b"}
    store.delete(["b", "missing"])
    assert store.ids() == set()


def test_embedded_chroma(settings: Settings, tmp_path: Path) -> None:
    store = open_chroma(settings, tmp_path / "data", tmp_path, "test-model")
    assert store.mode == "embedded"
    assert store.collection.configuration["hnsw"]["space"] == "cosine"
    assert store.health().status == "ok"
    _store_roundtrip(store)


def test_chroma_server(settings: Settings, tmp_path: Path, chroma_url: str) -> None:
    host, port = chroma_url.removeprefix("http://").split(":")
    configured = settings.model_copy(update={"chromadb_host": host, "chromadb_port": int(port)})
    store = open_chroma(configured, tmp_path / "data", tmp_path, "test-model")
    assert store.mode == "http" and store.health().status == "ok"
    assert store.collection.name == collection_name(tmp_path)
    _store_roundtrip(store)
    other = open_chroma(configured, tmp_path / "data", tmp_path / "other", "test-model")
    assert other.collection.name != store.collection.name


def test_unreachable_server_falls_back_to_embedded(settings: Settings, tmp_path: Path) -> None:
    from tests.indexing.conftest import free_port

    configured = settings.model_copy(
        update={"chromadb_host": "127.0.0.1", "chromadb_port": free_port()}
    )
    store = open_chroma(configured, tmp_path / "data", tmp_path, "test-model")
    assert store.mode == "embedded"
    health = store.health()
    assert health.status == "degraded" and "unreachable" in health.reason
    assert "unreachable" in store.warning
    _store_roundtrip(store)


def test_collection_of_another_model_is_replaced(settings: Settings, tmp_path: Path) -> None:
    store = open_chroma(settings, tmp_path / "data", tmp_path, "model-a")
    store.upsert(["x"], [[1.0, 0.0]], [{"path": "x.py"}])
    again = open_chroma(settings, tmp_path / "data", tmp_path, "model-b")
    assert again.ids() == set()


@pytest.mark.parametrize("count", [1, 70])
def test_real_embedder_is_normalized(real_embedder, count: int) -> None:
    vectors = real_embedder.embed([f"def f{i}(x): return x + {i}" for i in range(count)])
    assert len(vectors) == count and len(vectors[0]) == real_embedder.dimension == 384
    assert abs(sum(v * v for v in vectors[0]) - 1.0) < 1e-4


def test_pending_serves_open_files_in_a_batch_of_their_own(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "index.sqlite3")
    a, b = chunk("a.py", "a", "def a(): pass"), chunk("b.py", "b", "def b(): pass")
    catalog.replace_file(record("a.py"), [a])
    catalog.replace_file(record("b.py"), [b])
    assert [p.id for p in catalog.vectors.pending(10, set(), ["b.py"])] == [b.id]
    assert [p.id for p in catalog.vectors.pending(10, {b.id}, ["b.py"])] == [a.id]  # b in flight
    assert {p.id for p in catalog.vectors.pending(10, set())} == {a.id, b.id}


def test_counts_follow_every_write_and_only_committed_ones(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "index.sqlite3")

    def counts() -> Counts:
        in_memory, counted = catalog.db.counts_check()
        assert in_memory == counted == catalog.counts()
        return in_memory

    a, b = chunk("m.py", "a", "def a(): pass"), chunk("m.py", "b", "def b(): pass", 3)
    catalog.replace_file(record("m.py"), [a, b])
    catalog.replace_file(record("empty.py"), [])  # nothing to embed: counts as embedded
    assert counts() == Counts(files=2, files_embedded=1, chunks=2, chunks_embedded=0)
    vectors = {a.content_hash: [1.0, 0.0], b.content_hash: [0.0, 1.0]}
    catalog.vectors.confirm_added(catalog.vectors.begin_add([a.id, b.id], vectors))
    catalog.vectors.confirm_added([a.id])  # again: no change
    assert counts() == Counts(files=2, files_embedded=2, chunks=2, chunks_embedded=2)
    b2 = chunk("m.py", "b", "def b(): return 2", 3)
    catalog.replace_file(record("m.py", "s2"), [a, b2, b2])
    assert counts() == Counts(files=2, files_embedded=1, chunks=2, chunks_embedded=1)
    catalog.vectors.settle_unconfirmed([a.id, a.id, "unknown"])
    assert counts() == Counts(files=2, files_embedded=1, chunks=2, chunks_embedded=0)
    catalog.vectors.forget_vectors()
    assert counts() == Counts(files=2, files_embedded=0, chunks=2, chunks_embedded=0)
    catalog.vectors.settle_files_without_chunks()
    assert counts() == Counts(files=2, files_embedded=1, chunks=2, chunks_embedded=0)
    with pytest.raises(RuntimeError), catalog.db.transaction() as tx:
        tx.execute("DELETE FROM files")
        tx.count(Counts(files=-2))
        raise RuntimeError("rolled back")
    assert counts() == Counts(files=2, files_embedded=1, chunks=2, chunks_embedded=0)
    catalog.remove_files(["m.py", "m.py", "never.py"])
    assert counts() == Counts(files=1, files_embedded=1, chunks=0, chunks_embedded=0)
    catalog.close()
    assert Catalog(tmp_path / "index.sqlite3").counts() == Counts(1, 1, 0, 0)  # read at open
