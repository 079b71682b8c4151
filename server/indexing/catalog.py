"""The SQLite side of the index and its source of truth: file catalog, chunks, the FTS5 keyword
index, a content-addressed vector cache, the "name view" vectors the reranker compares
with queries (one per distinct symbol name) and the intent log that keeps Chroma consistent.

Every method is one transaction. The connection is shared by the indexing task and searches
(both via worker threads), so calls are serialized by a lock.

Invariants (checked by `consistency_report`):
- `files.chunk_ids` lists exactly the chunk rows of that path;
- a chunk with `embedded = 1` has its vector in the vector store, and only those chunks do,
  except for ids named in `intents`, whose state in the vector store is unknown until replay.

This module holds the file and chunk writes and the reads for search and consistency checks;
`Catalog` is made of two more parts on one connection: `catalog.db` (`catalog_db.py`: schema,
transactions, meta keys, the counts status reports) and `catalog.vectors`
(`catalog_vectors.py`: the embedding pipeline's pending chunks, vector caches and intents).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server.indexing.catalog_db import FTS_TOKENIZER, CatalogDatabase, Counts, Transaction
from server.indexing.catalog_vectors import VectorBookkeeping
from server.indexing.chunk import Chunk
from server.indexing.identifiers import expand, fts_match, match_tokens
from server.indexing.keyword_memory import KeywordMemory

# BM25 column weights: a hit in the symbol name or the path says more than one in the body.
# Tuned on the stdlib retrieval task (docs/benchmarks.md): path 3, symbol 10, body 1.
FTS_WEIGHTS = (3.0, 10.0, 1.0)


@dataclass(frozen=True)
class FileRecord:
    """One catalog row: what the file looked like when it was last chunked."""

    path: str
    size: int
    mtime_ns: int
    sha256: str
    language: str
    state: str = "keyword"  # keyword: chunks searchable by keyword; embedded: all vectors stored


@dataclass(frozen=True)
class ChunkRow:
    """A stored chunk, as search and symbols read it."""

    id: str
    path: str
    language: str
    symbol: str
    kind: str
    start_line: int
    end_line: int
    text: str
    embedded: bool


_STATE = "SELECT state FROM files WHERE path = ?"
_CHUNK_COLUMNS = "id, path, language, symbol, kind, start_line, end_line, text, embedded"
_JOINED_COLUMNS = ", ".join("c." + column for column in _CHUNK_COLUMNS.split(", "))


def _chunk_row(row: Sequence[Any]) -> ChunkRow:
    cid, path, language, symbol, kind, start_line, end_line, text, embedded = row
    return ChunkRow(cid, path, language, symbol, kind, start_line, end_line, text, bool(embedded))


class Catalog:
    """One workspace's SQLite database (`index.sqlite3`, WAL mode)."""

    def __init__(self, path: Path) -> None:
        self.db = CatalogDatabase(path)
        self.vectors = VectorBookkeeping(self.db)
        # FTS5's ranking in memory (~1-2 ms instead of up to ~25 at stdlib scale), rebuilt
        # after writes; the FTS migration above ran before it, so its first build sees it.
        weights = dict(zip(("path", "symbol", "body"), FTS_WEIGHTS, strict=True))
        self.keywords = KeywordMemory(path, "chunks_fts", FTS_TOKENIZER, weights)

    def close(self) -> None:
        self.keywords.close()
        self.db.close()

    # files ----------------------------------------------------------------------------
    def files(self) -> dict[str, FileRecord]:
        with self.db.reading() as db:
            rows = db.execute(
                "SELECT path, size, mtime_ns, sha256, language, state FROM files"
            ).fetchall()
        return {row[0]: FileRecord(*row) for row in rows}

    def touch_file(self, path: str, size: int, mtime_ns: int) -> None:
        """Same content, new stat: nothing to re-chunk or re-embed."""
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE files SET size = ?, mtime_ns = ? WHERE path = ?", (size, mtime_ns, path)
            )

    def replace_file(self, record: FileRecord, chunks: Sequence[Chunk]) -> list[str]:
        """Swap a file's chunks in one transaction.

        Chunks whose id survives keep their vector. Returns the ids that must leave the
        vector store; they are logged as delete intents in the same transaction.
        """
        unique = list({chunk.id: chunk for chunk in chunks}.values())
        new_ids = {chunk.id for chunk in unique}
        with self.keywords.writing(), self.db.transaction() as tx:
            old = dict(tx.execute("SELECT id, embedded FROM chunks WHERE path = ?", (record.path,)))
            stale = [cid for cid, embedded in old.items() if embedded and cid not in new_ids]
            tx.log_intents(stale, "delete")
            gone = [cid for cid in old if cid not in new_ids]
            _delete_chunks(tx, gone)
            added = [chunk for chunk in unique if chunk.id not in old]
            for chunk in added:
                _insert_chunk(tx, chunk)
            all_embedded = all(old.get(cid) for cid in new_ids)
            before = tx.execute(_STATE, (record.path,)).fetchone()
            tx.execute(
                "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    record.path,
                    record.size,
                    record.mtime_ns,
                    record.sha256,
                    record.language,
                    "embedded" if all_embedded else "keyword",
                    json.dumps([chunk.id for chunk in unique]),
                ),
            )
            was_embedded = before is not None and before[0] == "embedded"
            tx.count(
                Counts(
                    files=before is None,
                    files_embedded=all_embedded - was_embedded,
                    chunks=len(added) - len(gone),
                    chunks_embedded=-len(stale),
                )
            )
        return stale

    def remove_files(self, paths: Iterable[str]) -> list[str]:
        """Forget files; returns the vector ids to delete (logged as intents)."""
        stale: list[str] = []
        with self.keywords.writing(), self.db.transaction() as tx:
            for path in paths:
                rows = tx.execute(
                    "SELECT id, embedded FROM chunks WHERE path = ?", (path,)
                ).fetchall()
                ids = [row[0] for row in rows]
                embedded = [row[0] for row in rows if row[1]]
                tx.log_intents(embedded, "delete")
                stale += embedded
                _delete_chunks(tx, ids)
                gone = [state for (state,) in tx.execute(_STATE, (path,))]
                tx.execute("DELETE FROM files WHERE path = ?", (path,))
                tx.count(
                    Counts(
                        files=-len(gone),
                        files_embedded=-gone.count("embedded"),
                        chunks=-len(ids),
                        chunks_embedded=-len(embedded),
                    )
                )
        return stale

    # reads for consistency checks and status ------------------------------------------
    def chunk_ids(self) -> list[str]:
        with self.db.reading() as db:
            return [row[0] for row in db.execute("SELECT id FROM chunks")]

    def catalog_chunk_ids(self) -> dict[str, list[str]]:
        with self.db.reading() as db:
            rows = db.execute("SELECT path, chunk_ids FROM files").fetchall()
        return {path: json.loads(ids) for path, ids in rows}

    def chunk_paths(self) -> dict[str, str]:
        with self.db.reading() as db:
            return dict(db.execute("SELECT id, path FROM chunks").fetchall())

    def fts_rows(self) -> tuple[int, int]:
        """(FTS rows, chunk rows): equal when the keyword index matches the chunks."""
        with self.db.reading() as db:
            fts = db.execute("SELECT count(*) FROM chunks_fts").fetchone()[0]
            rows = db.execute("SELECT count(*) FROM chunks").fetchone()[0]
        return fts, rows

    def counts(self) -> Counts:
        """Kept in memory (see `catalog_db.py`): no query, safe on the event loop."""
        return self.db.counts

    # reads for search -----------------------------------------------------------------
    def keyword_search(
        self, query: str, limit: int, languages: Sequence[str] | None = None
    ) -> list[ChunkRow]:
        """Best BM25 matches first; identifiers in the query are split like the index.

        Ranked in memory when the postings are fresh (same rows, same order), else by FTS5."""
        match = fts_match(query)
        if match is None:
            return []
        with self.db.reading() as db:
            rowids = self.keywords.rank(match_tokens(query), limit, languages)
            if rowids is not None:
                return _rows_by_rowid(db, rowids)
        return self._fts_search(match, limit, languages)

    def _fts_search(
        self, match: str, limit: int, languages: Sequence[str] | None
    ) -> list[ChunkRow]:
        # Ranked in a subquery over the FTS table alone, then joined: joined before the
        # ORDER BY, SQLite read the chunk row of every match, not just the `limit` kept
        # (measured at stdlib scale: half the time, same rows in the same order). The
        # language test is a correlated lookup: as `rowid IN (SELECT ...)` SQLite hands FTS5
        # one rowid at a time and bm25 redoes its statistics for each (minutes, not ms).
        where = "chunks_fts MATCH ?"
        params: list[object] = [*FTS_WEIGHTS, match]
        if languages:
            marks = ",".join("?" * len(languages))
            where += (
                " AND (SELECT language FROM chunks WHERE chunks.rowid = chunks_fts.rowid)"
                f" IN ({marks})"
            )
            params += list(languages)
        sql = (
            f"SELECT {_JOINED_COLUMNS} FROM (SELECT rowid AS r, bm25(chunks_fts, ?, ?, ?) AS s"
            f" FROM chunks_fts WHERE {where} ORDER BY s LIMIT ?) AS f"
            " JOIN chunks c ON c.rowid = f.r ORDER BY f.s"
        )
        params.append(limit)
        with self.db.reading() as db:
            rows = db.execute(sql, params).fetchall()
        return [_chunk_row(row) for row in rows]

    def chunks_by_id(self, ids: Sequence[str]) -> dict[str, ChunkRow]:
        found: dict[str, ChunkRow] = {}
        with self.db.reading() as db:
            for start in range(0, len(ids), 500):
                part = list(ids[start : start + 500])
                marks = ",".join("?" * len(part))
                for row in db.execute(
                    f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE id IN ({marks})", part
                ):
                    found[row[0]] = _chunk_row(row)
        return found

    def name_vectors(self, names: Iterable[str]) -> dict[str, list[float]]:
        """The reranker's name-view vectors (search reads them here; they are written by
        the embedding pipeline through `vectors`)."""
        return self.vectors.name_vectors(names)

    def symbols(self, query: str, limit: int) -> list[ChunkRow]:
        """Named chunks whose symbol contains `query` (case-insensitive), exact names first."""
        with self.db.reading() as db:
            return find_symbols(db, query, limit)


def find_symbols(db: sqlite3.Connection, query: str, limit: int) -> list[ChunkRow]:
    """`Catalog.symbols` on any connection to a catalog: also a read-only one from another
    process (the MCP server reading the index a language server keeps)."""
    needle = query.strip().lower()
    rows = db.execute(
        f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE symbol != ''"
        " AND instr(lower(symbol), ?) > 0"
        " ORDER BY lower(symbol) != ?, instr(lower(symbol), ?) != 1, length(symbol),"
        " path, start_line LIMIT ?",
        (needle, needle, needle, limit),
    ).fetchall()
    return [_chunk_row(row) for row in rows]


def _rows_by_rowid(db: sqlite3.Connection, rowids: Sequence[int]) -> list[ChunkRow]:
    """Chunk rows in the order of `rowids`."""
    found: dict[int, ChunkRow] = {}
    for start in range(0, len(rowids), 500):
        part = list(rowids[start : start + 500])
        marks = ",".join("?" * len(part))
        sql = f"SELECT rowid, {_CHUNK_COLUMNS} FROM chunks WHERE rowid IN ({marks})"
        for row in db.execute(sql, part):
            found[row[0]] = _chunk_row(row[1:])
    return [found[rowid] for rowid in rowids]


def _insert_chunk(tx: Transaction, chunk: Chunk) -> None:
    cursor = tx.execute(
        "INSERT INTO chunks (id, path, language, symbol, kind, start_line, end_line, text,"
        " embed_text, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            chunk.id,
            chunk.path,
            chunk.language,
            chunk.symbol,
            chunk.kind,
            chunk.start_line,
            chunk.end_line,
            chunk.text,
            chunk.embed_text,
            chunk.content_hash,
        ),
    )
    tx.execute(
        "INSERT INTO chunks_fts (rowid, path, symbol, body) VALUES (?, ?, ?, ?)",
        (cursor.lastrowid, expand(chunk.path), expand(chunk.symbol), expand(chunk.text)),
    )


def _delete_chunks(tx: Transaction, ids: Sequence[str]) -> None:
    for cid in ids:
        row = tx.execute("SELECT rowid FROM chunks WHERE id = ?", (cid,)).fetchone()
        if row is None:
            continue
        tx.execute("DELETE FROM chunks_fts WHERE rowid = ?", (row[0],))
        tx.execute("DELETE FROM chunks WHERE rowid = ?", (row[0],))
