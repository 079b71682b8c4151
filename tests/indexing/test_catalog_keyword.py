"""`Catalog.keyword_search`: the BM25 ranking over the FTS table, its limit and its language
filter, checked against the plain query (FTS joined with chunks, ordered by bm25)."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

from server.indexing.catalog import FTS_WEIGHTS, Catalog, FileRecord
from server.indexing.identifiers import fts_match
from tests.indexing.records import chunk

WORDS = "parse read write socket buffer header request response stream close open".split()


def _catalog(tmp_path: Path) -> Catalog:
    """Many chunks of overlapping words, half of them Go, so that ranks, ties and cuts occur."""
    catalog = Catalog(tmp_path / "index.sqlite3")
    rng = random.Random(7)
    for n in range(60):
        language = "go" if n % 2 else "python"
        path = f"pkg/m{n}.{'go' if n % 2 else 'py'}"
        parts = []
        for i in range(4):
            body = " ".join(rng.choices(WORDS, k=rng.randint(2, 30)))
            part = replace(chunk(path, f"{rng.choice(WORDS)}_{i}", body, 1 + 40 * i))
            parts.append(replace(part, language=language))
        catalog.replace_file(FileRecord(path, 10, 1, "s", language), parts)
    return catalog


def _reference(
    catalog: Catalog, query: str, limit: int, languages: list[str] | None = None
) -> list[str]:
    match = fts_match(query)
    sql = (
        "SELECT c.id FROM chunks_fts JOIN chunks c ON c.rowid = chunks_fts.rowid"
        " WHERE chunks_fts MATCH ?"
    )
    params: list[object] = [match]
    if languages:
        sql += f" AND c.language IN ({','.join('?' * len(languages))})"
        params += languages
    sql += " ORDER BY bm25(chunks_fts, ?, ?, ?), c.rowid LIMIT ?"
    with catalog.db.reading() as db:
        return [row[0] for row in db.execute(sql, [*params, *FTS_WEIGHTS, limit])]


def test_ranking_and_limit_match_the_plain_bm25_query(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path)
    for query in ("parse the request header", "socket stream", "readBuffer close", "open"):
        for limit in (1, 5, 40, 500):
            got = [row.id for row in catalog.keyword_search(query, limit)]
            assert got == _reference(catalog, query, limit), (query, limit)
            assert len(got) == min(limit, len(_reference(catalog, query, 1000)))


def test_language_filter_applies_before_the_limit(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path)
    rows = catalog.keyword_search("parse the request header", 10, languages=["go"])
    assert len(rows) == 10 and {row.language for row in rows} == {"go"}
    ids = [row.id for row in rows]
    assert ids == _reference(catalog, "parse the request header", 10, ["go"])
    assert catalog.keyword_search("socket", 5, languages=["rust"]) == []
    both = catalog.keyword_search("socket", 500, languages=["go", "python"])
    assert [row.id for row in both] == _reference(catalog, "socket", 500)


def test_rows_carry_the_chunk_columns(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path)
    (row,) = catalog.keyword_search("request", 1)
    assert row == catalog.chunks_by_id([row.id])[row.id]
    assert catalog.keyword_search("  ", 5) == []
