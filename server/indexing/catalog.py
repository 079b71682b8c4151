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
the connection, schema and transactions live in `catalog_db.py`, the embedding pipeline's
bookkeeping (pending chunks, vector caches, intents) in `catalog_vectors.py`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from server.indexing.catalog_vectors import VectorBookkeeping
from server.indexing.chunk import Chunk
from server.indexing.identifiers import expand, fts_match

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


@dataclass(frozen=True)
class Counts:
    files: int
    files_embedded: int
    chunks: int
    chunks_embedded: int


_CHUNK_COLUMNS = "id, path, language, symbol, kind, start_line, end_line, text, embedded"


def _chunk_row(row: Sequence) -> ChunkRow:
    return ChunkRow(*row[:8], embedded=bool(row[8]))


class Catalog(VectorBookkeeping):
    """One workspace's SQLite database (`index.sqlite3`, WAL mode)."""

    # files ----------------------------------------------------------------------------
    def files(self) -> dict[str, FileRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT path, size, mtime_ns, sha256, language, state FROM files"
            ).fetchall()
        return {row[0]: FileRecord(*row) for row in rows}

    def file(self, path: str) -> FileRecord | None:
        with self._lock:
            row = self._db.execute(
                "SELECT path, size, mtime_ns, sha256, language, state FROM files WHERE path = ?",
                (path,),
            ).fetchone()
        return FileRecord(*row) if row else None

    def touch_file(self, path: str, size: int, mtime_ns: int) -> None:
        """Same content, new stat: nothing to re-chunk or re-embed."""
        with self._tx():
            self._db.execute(
                "UPDATE files SET size = ?, mtime_ns = ? WHERE path = ?", (size, mtime_ns, path)
            )

    def replace_file(self, record: FileRecord, chunks: Sequence[Chunk]) -> list[str]:
        """Swap a file's chunks in one transaction.

        Chunks whose id survives keep their vector. Returns the ids that must leave the
        vector store; they are logged as delete intents in the same transaction.
        """
        unique = list({chunk.id: chunk for chunk in chunks}.values())
        new_ids = {chunk.id for chunk in unique}
        with self._tx():
            old = dict(
                self._db.execute(
                    "SELECT id, embedded FROM chunks WHERE path = ?", (record.path,)
                ).fetchall()
            )
            stale = [cid for cid, embedded in old.items() if embedded and cid not in new_ids]
            self._log_intents(stale, "delete")
            gone = [cid for cid in old if cid not in new_ids]
            self._delete_chunks(gone)
            for chunk in unique:
                if chunk.id in old:
                    continue
                self._insert_chunk(chunk)
            all_embedded = all(old.get(cid) for cid in new_ids)
            self._db.execute(
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
        return stale

    def remove_files(self, paths: Iterable[str]) -> list[str]:
        """Forget files; returns the vector ids to delete (logged as intents)."""
        stale: list[str] = []
        with self._tx():
            for path in paths:
                rows = self._db.execute(
                    "SELECT id, embedded FROM chunks WHERE path = ?", (path,)
                ).fetchall()
                ids = [row[0] for row in rows]
                embedded = [row[0] for row in rows if row[1]]
                self._log_intents(embedded, "delete")
                stale += embedded
                self._delete_chunks(ids)
                self._db.execute("DELETE FROM files WHERE path = ?", (path,))
        return stale

    def _insert_chunk(self, chunk: Chunk) -> None:
        cursor = self._db.execute(
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
        self._db.execute(
            "INSERT INTO chunks_fts (rowid, path, symbol, body) VALUES (?, ?, ?, ?)",
            (cursor.lastrowid, expand(chunk.path), expand(chunk.symbol), expand(chunk.text)),
        )

    def _delete_chunks(self, ids: Sequence[str]) -> None:
        for cid in ids:
            row = self._db.execute("SELECT rowid FROM chunks WHERE id = ?", (cid,)).fetchone()
            if row is None:
                continue
            self._db.execute("DELETE FROM chunks_fts WHERE rowid = ?", (row[0],))
            self._db.execute("DELETE FROM chunks WHERE rowid = ?", (row[0],))

    # reads for consistency checks and status ------------------------------------------
    def chunk_ids(self) -> list[str]:
        with self._lock:
            return [row[0] for row in self._db.execute("SELECT id FROM chunks")]

    def catalog_chunk_ids(self) -> dict[str, list[str]]:
        with self._lock:
            rows = self._db.execute("SELECT path, chunk_ids FROM files").fetchall()
        return {path: json.loads(ids) for path, ids in rows}

    def chunk_paths(self) -> dict[str, str]:
        with self._lock:
            return dict(self._db.execute("SELECT id, path FROM chunks").fetchall())

    def fts_rows(self) -> tuple[int, int]:
        """(FTS rows, chunk rows): equal when the keyword index matches the chunks."""
        with self._lock:
            fts = self._db.execute("SELECT count(*) FROM chunks_fts").fetchone()[0]
            rows = self._db.execute("SELECT count(*) FROM chunks").fetchone()[0]
        return fts, rows

    def counts(self) -> Counts:
        with self._lock:
            files, files_embedded = self._db.execute(
                "SELECT count(*), coalesce(sum(state = 'embedded'), 0) FROM files"
            ).fetchone()
            chunks, chunks_embedded = self._db.execute(
                "SELECT count(*), coalesce(sum(embedded), 0) FROM chunks"
            ).fetchone()
        return Counts(files, files_embedded, chunks, chunks_embedded)

    # reads for search -----------------------------------------------------------------
    def keyword_search(
        self, query: str, limit: int, languages: Sequence[str] | None = None
    ) -> list[ChunkRow]:
        """Best BM25 matches first; identifiers in the query are split like the index."""
        match = fts_match(query)
        if match is None:
            return []
        sql = (
            f"SELECT {', '.join('c.' + c for c in _CHUNK_COLUMNS.split(', '))}"
            " FROM chunks_fts JOIN chunks c ON c.rowid = chunks_fts.rowid"
            " WHERE chunks_fts MATCH ?"
        )
        params: list[object] = [match]
        if languages:
            sql += f" AND c.language IN ({','.join('?' * len(languages))})"
            params += list(languages)
        sql += " ORDER BY bm25(chunks_fts, ?, ?, ?) LIMIT ?"
        params += [*FTS_WEIGHTS, limit]
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        return [_chunk_row(row) for row in rows]

    def embed_texts(self) -> list[str]:
        """Every chunk's embedded text (benchmarks compare indexing to raw embedding)."""
        with self._lock:
            return [row[0] for row in self._db.execute("SELECT embed_text FROM chunks")]

    def chunks_by_id(self, ids: Sequence[str]) -> dict[str, ChunkRow]:
        found: dict[str, ChunkRow] = {}
        with self._lock:
            for start in range(0, len(ids), 500):
                part = list(ids[start : start + 500])
                marks = ",".join("?" * len(part))
                for row in self._db.execute(
                    f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE id IN ({marks})", part
                ):
                    found[row[0]] = _chunk_row(row)
        return found

    def symbols(self, query: str, limit: int) -> list[ChunkRow]:
        """Named chunks whose symbol contains `query` (case-insensitive), exact names first."""
        needle = query.strip().lower()
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE symbol != ''"
                " AND instr(lower(symbol), ?) > 0"
                " ORDER BY lower(symbol) != ?, instr(lower(symbol), ?) != 1, length(symbol),"
                " path, start_line LIMIT ?",
                (needle, needle, needle, limit),
            ).fetchall()
        return [_chunk_row(row) for row in rows]
