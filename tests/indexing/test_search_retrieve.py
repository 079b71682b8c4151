"""`HybridSearch.retrieve`: both retrievers over a real catalog, a real embedded Chroma store
and the real embedding model; the rows of dense-only hits come back with the hits."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.config import Settings
from server.indexing.catalog import Catalog
from server.indexing.embedding_thread import EmbeddingThread
from server.indexing.search import HybridSearch, SearchWeights
from server.indexing.torch_embedder import SentenceTransformerEmbedder
from server.indexing.vector_store import ChromaVectorStore, open_chroma
from tests.indexing.records import chunk, record

SOURCES = {
    "net/sockets.py": ("open_connection", "def open_connection(host, port):\n    return dial()"),
    "text/wrap.py": ("fill_paragraph", "def fill_paragraph(words, width):\n    return lines"),
    "db/store.py": ("save_record", "def save_record(row):\n    table.insert(row)"),
}


@pytest.fixture
def parts(
    settings: Settings, tmp_path: Path, real_embedder: SentenceTransformerEmbedder
) -> tuple[Catalog, ChromaVectorStore, EmbeddingThread]:
    catalog = Catalog(tmp_path / "index.sqlite3")
    store = open_chroma(settings, tmp_path / "data", tmp_path, real_embedder.name)
    chunks = []
    for path, (symbol, text) in SOURCES.items():
        made = chunk(path, symbol, text)
        catalog.replace_file(record(path), [made])
        chunks.append(made)
    vectors = real_embedder.embed([c.embed_text for c in chunks])
    store.upsert(
        [c.id for c in chunks], vectors, [{"path": c.path, "language": c.language} for c in chunks]
    )
    return catalog, store, EmbeddingThread(real_embedder)


async def test_dense_only_hits_bring_their_rows(
    parts: tuple[Catalog, ChromaVectorStore, EmbeddingThread],
) -> None:
    catalog, store, embedding = parts
    search = HybridSearch(catalog, store, embedding, SearchWeights(rerank=False))
    warnings: list[str] = []
    # no keyword matches any chunk: every row comes from the dense side
    found = await search.retrieve(
        "justify prose at a margin", 3, None, None, ("dense", "keyword"), warnings
    )
    assert warnings == [] and found.rankings["keyword"] == []
    assert len(found.rankings["dense"]) == 3
    assert set(found.rows) == set(found.rankings["dense"])
    assert found.rows[found.rankings["dense"][0]].symbol == "fill_paragraph"
    assert found.vector is not None and set(found.similarity) == set(found.rows)
    embedding.close()


async def test_path_filter_and_both_retrievers_share_rows(
    parts: tuple[Catalog, ChromaVectorStore, EmbeddingThread],
) -> None:
    catalog, store, embedding = parts
    search = HybridSearch(catalog, store, embedding, SearchWeights(rerank=False))
    warnings: list[str] = []
    found = await search.retrieve("save_record", 3, ["db/**"], None, ("dense", "keyword"), warnings)
    (only,) = {row.id for row in found.rows.values() if row.path == "db/store.py"}
    assert found.rankings == {"dense": [only], "keyword": [only]}
    assert len(found.rows) == 3  # rows of filtered-out hits are kept, rankings exclude them
    embedding.close()


async def test_a_failing_store_leaves_keyword_results_and_a_warning(
    parts: tuple[Catalog, ChromaVectorStore, EmbeddingThread],
) -> None:
    catalog, store, embedding = parts
    store.collection = None  # every store call now raises
    search = HybridSearch(catalog, store, embedding, SearchWeights(rerank=False))
    warnings: list[str] = []
    found = await search.retrieve("open connection", 3, None, None, ("dense", "keyword"), warnings)
    assert [w.split(":")[0] for w in warnings] == ["dense retrieval failed"]
    assert found.rankings["dense"] == [] and found.vector is None
    assert [found.rows[c].symbol for c in found.rankings["keyword"]] == ["open_connection"]
    embedding.close()
