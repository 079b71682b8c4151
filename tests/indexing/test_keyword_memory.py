"""The in-memory keyword ranking (`KeywordMemory` over `KeywordPostings`) against the FTS5
query it replaces, on a real catalog: same ids in the same order, before and after writes."""

from __future__ import annotations

import random
import threading
from dataclasses import replace
from pathlib import Path

from server.indexing.catalog import FTS_WEIGHTS, Catalog, FileRecord
from server.indexing.catalog_db import FTS_TOKENIZER
from server.indexing.identifiers import fts_match, match_tokens
from server.indexing.keyword_postings import FtsStemmer
from tests.indexing.records import chunk

WORDS = (
    "parse parses parsing parser read reads reader write socket buffer header request "
    "response stream streams close open openFile readHTTPResponse get_line_buffer"
).split()
QUERIES = (
    "parse the request header",  # stopword dropped, OR of three
    "parsing",  # stems like parses / parse
    "readHTTPResponse",  # an identifier: its parts and the joined word
    "get_line_buffer streams",
    "socket stream close open write read buffer header request response parser",
    "the",  # only stopwords: kept
    "zebra",  # unknown
    "zebra socket",  # unknown and known
    "m7 pkg",  # path words
)


def _catalog(tmp_path: Path, files: int = 40) -> Catalog:
    """Overlapping words in bodies, symbols and paths, a third of the files Go."""
    catalog = Catalog(tmp_path / "index.sqlite3")
    rng = random.Random(11)
    for n in range(files):
        _write(catalog, rng, n)
    return catalog


def _write(catalog: Catalog, rng: random.Random, n: int, language: str = "") -> None:
    language = language or ("go" if n % 3 == 0 else "python")
    path = f"pkg/{rng.choice(WORDS)}/m{n}.{'go' if language == 'go' else 'py'}"
    parts = []
    for i in range(rng.randint(1, 4)):
        body = " ".join(rng.choices(WORDS, k=rng.randint(1, 40)))
        part = chunk(path, f"{rng.choice(WORDS)}_{i}" if i % 2 else "", body, 1 + 40 * i)
        parts.append(replace(part, language=language))
    catalog.replace_file(FileRecord(path, 10, n, f"s{rng.random()}", language), parts)


def _fts(catalog: Catalog, query: str, limit: int, languages: list[str] | None = None) -> list[str]:
    """The plain FTS5 query: bm25 with the catalog's weights, ties by rowid."""
    match = fts_match(query)
    if match is None:
        return []
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


def _ids(catalog: Catalog, query: str, limit: int, languages: list[str] | None = None) -> list[str]:
    return [row.id for row in catalog.keyword_search(query, limit, languages)]


def _assert_same_as_fts(catalog: Catalog) -> None:
    for query in QUERIES:
        for limit in (1, 3, 10, 1000):
            for languages in (None, ["go"], ["python", "go"], ["rust"]):
                want = _fts(catalog, query, limit, languages)
                assert _ids(catalog, query, limit, languages) == want, (query, limit, languages)


def test_fresh_postings_rank_exactly_like_fts5(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path)
    try:
        assert catalog.keywords.wait_fresh(30)
        postings = catalog.keywords.postings()
        assert postings is not None and postings.nbytes > 0
        assert len(postings.rowids) == catalog.fts_rows()[0]
        for query in QUERIES:  # the in-memory path answers, not the FTS5 fallback
            assert catalog.keywords.rank(match_tokens(query), 5, None) is not None
        _assert_same_as_fts(catalog)
        assert _ids(catalog, "parsing", 1000) == _ids(catalog, "parses", 1000) != []
        assert _ids(catalog, "zebra", 10) == [] and _ids(catalog, "  ", 10) == []
    finally:
        catalog.close()


def test_writes_make_it_stale_then_a_rebuild_catches_up(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path)
    rng = random.Random(3)
    try:
        assert catalog.keywords.wait_fresh(30)
        with catalog.keywords.writing():  # a write in progress: never the old postings
            _write(catalog, rng, 100, "go")
            assert catalog.keywords.postings() is None
            _assert_same_as_fts(catalog)
        catalog.remove_files([p for p in catalog.files() if p.endswith("/m4.py")])
        path, old = next((p, r) for p, r in catalog.files().items() if r.language == "python")
        new = [chunk(path, "readHTTPResponse", "zebra parsing socket", 1)]
        catalog.replace_file(replace(old, sha256="changed"), new)
        _assert_same_as_fts(catalog)  # right after the writes: stale or fresh, never wrong
        assert _ids(catalog, "zebra", 10) == [new[0].id]
        assert catalog.keywords.wait_fresh(30)
        assert _ids(catalog, "zebra", 10) == [new[0].id]
        postings = catalog.keywords.postings()
        assert postings is not None and len(postings.rowids) == catalog.fts_rows()[0]
        _assert_same_as_fts(catalog)
    finally:
        catalog.close()


def test_close_stops_the_worker(tmp_path: Path) -> None:
    before = set(threading.enumerate())
    catalog = _catalog(tmp_path, files=3)
    started = set(threading.enumerate()) - before
    assert [thread.name for thread in started] == ["keyword-memory"]
    catalog.close()
    assert not any(thread.is_alive() for thread in started)


def test_stemmer_asks_sqlite(tmp_path: Path) -> None:
    stemmer = FtsStemmer(FTS_TOKENIZER)
    try:
        assert stemmer.terms(["parsing", "parses", "connection", "x", ""]) == [
            ("pars",),
            ("pars",),
            ("connect",),
            ("x",),
            (),
        ]
        assert stemmer.terms(["two words"]) == [("two", "word")]
    finally:
        stemmer.close()


def test_a_token_fts5_splits_is_left_to_fts5(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path, files=3)
    try:
        assert catalog.keywords.wait_fresh(30)
        assert catalog.keywords.rank(["socket"], 5, None) is not None
        assert catalog.keywords.rank(["socket buffer"], 5, None) is None
    finally:
        catalog.close()
