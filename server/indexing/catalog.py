"""The SQLite side of the index and its source of truth: file catalog, chunks, the FTS5 keyword
index, a content-addressed vector cache, the "name view" vectors the reranker compares
with queries (one per distinct symbol name) and the intent log that keeps Chroma consistent.

Every method is one transaction. The connection is shared by the indexing task and searches
(both via worker threads), so calls are serialized by a lock.

Invariants (checked by `consistency_report`):
- `files.chunk_ids` lists exactly the chunk rows of that path;
- a chunk with `embedded = 1` has its vector in the vector store, and only those chunks do,
  except for ids named in `intents`, whose state in the vector store is unknown until replay.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from server.indexing.chunk import Chunk
from server.indexing.identifiers import expand, fts_match, name_text

log = logging.getLogger(__name__)

SCHEMA_VERSION = "1"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    language TEXT NOT NULL,
    state TEXT NOT NULL,
    chunk_ids TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    language TEXT NOT NULL,
    symbol TEXT NOT NULL,
    kind TEXT NOT NULL,
    start_line INTEGER NOT NULL,
    end_line INTEGER NOT NULL,
    text TEXT NOT NULL,
    embed_text TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    embedded INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS chunks_by_path ON chunks (path);
CREATE INDEX IF NOT EXISTS chunks_by_embedded ON chunks (embedded);
CREATE INDEX IF NOT EXISTS chunks_by_symbol ON chunks (symbol COLLATE NOCASE);
CREATE TABLE IF NOT EXISTS vectors (content_hash TEXT PRIMARY KEY, vector BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS name_vectors (name TEXT PRIMARY KEY, vector BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS intents (id TEXT PRIMARY KEY, op TEXT NOT NULL);
"""

# BM25 column weights: a hit in the symbol name or the path says more than one in the body.
# Tuned on the stdlib retrieval task (docs/benchmarks.md): path 3, symbol 10, body 1.
FTS_WEIGHTS = (3.0, 10.0, 1.0)
# Porter stemming lets "returns lines" meet `read_line`; identifiers are split before it.
FTS_TOKENIZER = "'porter unicode61'"
FTS_TABLE = (
    f"CREATE VIRTUAL TABLE chunks_fts USING fts5 (path, symbol, body, tokenize={FTS_TOKENIZER})"
)


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
class PendingChunk:
    """A chunk waiting for its vector."""

    id: str
    path: str
    embed_text: str
    content_hash: str
    metadata: dict[str, str | int]


@dataclass(frozen=True)
class Counts:
    files: int
    files_embedded: int
    chunks: int
    chunks_embedded: int


def _pack(vector: Sequence[float]) -> bytes:
    return array("f", vector).tobytes()


def _unpack(blob: bytes) -> list[float]:
    values = array("f")
    values.frombytes(blob)
    return values.tolist()


_CHUNK_COLUMNS = "id, path, language, symbol, kind, start_line, end_line, text, embedded"


def _chunk_row(row: Sequence) -> ChunkRow:
    return ChunkRow(*row[:8], embedded=bool(row[8]))


class Catalog:
    """One workspace's SQLite database (`index.sqlite3`, WAL mode)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=OFF")
        self._db.executescript(SCHEMA)
        self._db.execute(
            FTS_TABLE.replace("CREATE VIRTUAL TABLE", "CREATE VIRTUAL TABLE IF NOT EXISTS")
        )
        fresh = self._db.execute("SELECT 1 FROM meta WHERE key = 'schema'").fetchone() is None
        self._db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        if fresh:  # every chunk will bring its name view: nothing to backfill
            self._db.execute("INSERT INTO meta VALUES ('name_views', 'complete')")
        self._migrate_fts()

    def _migrate_fts(self) -> None:
        """Rebuild the keyword table from stored chunks when its tokenizer changed (cheap:
        no file is re-read and no vector is recomputed)."""
        (sql,) = self._db.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'chunks_fts'"
        ).fetchone()
        if FTS_TOKENIZER in sql:
            return
        log.info("rebuilding the keyword index with tokenizer %s", FTS_TOKENIZER)
        with self._tx():
            self._db.execute("DROP TABLE chunks_fts")
            self._db.execute(FTS_TABLE)
            rows = self._db.execute("SELECT rowid, path, symbol, text FROM chunks").fetchall()
            self._db.executemany(
                "INSERT INTO chunks_fts (rowid, path, symbol, body) VALUES (?, ?, ?, ?)",
                [(r[0], expand(r[1]), expand(r[2]), expand(r[3])) for r in rows],
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _tx(self) -> _Transaction:
        return _Transaction(self._db, self._lock)

    # meta -----------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._tx():
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def forget_vectors(self) -> None:
        """The embedding model changed: every vector (cached or stored) is void."""
        with self._tx():
            self._db.execute("DELETE FROM vectors")
            self._db.execute("DELETE FROM name_vectors")
            self._db.execute("UPDATE chunks SET embedded = 0")
            self._db.execute("UPDATE files SET state = 'keyword'")

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

    # embedding pipeline ---------------------------------------------------------------
    def pending(
        self, limit: int, exclude: set[str], first: Sequence[str] = ()
    ) -> list[PendingChunk]:
        """Chunks without vectors: those of files in `first` alone when there are any (a
        small batch that is done quickly), else those of the most recently modified files."""
        select = (
            "SELECT c.id, c.path, c.embed_text, c.content_hash, c.language, c.symbol,"
            " c.kind, c.start_line, c.end_line FROM chunks c"
        )
        with self._lock:
            rows: list[tuple] = []
            if first:
                marks = ",".join("?" * len(first))
                rows = self._db.execute(
                    f"{select} WHERE c.embedded = 0 AND c.path IN ({marks})"
                    " ORDER BY c.path, c.start_line LIMIT ?",
                    (*first, limit + len(exclude)),
                ).fetchall()
                rows = [row for row in rows if row[0] not in exclude]
            if not rows:
                rows = self._db.execute(
                    f"{select} JOIN files f ON f.path = c.path WHERE c.embedded = 0"
                    " ORDER BY f.mtime_ns DESC, c.path, c.start_line LIMIT ?",
                    (limit + len(exclude),),
                ).fetchall()
        picked: dict[str, PendingChunk] = {}
        for cid, path, text, content_hash, language, symbol, kind, start, end in rows:
            if cid in exclude or cid in picked:
                continue
            meta: dict[str, str | int] = {
                "path": path,
                "language": language,
                "symbol": symbol,
                "kind": kind,
                "start_line": start,
                "end_line": end,
            }
            picked[cid] = PendingChunk(cid, path, text, content_hash, meta)
            if len(picked) >= limit:
                break
        return list(picked.values())

    def cached_vectors(self, hashes: Iterable[str]) -> dict[str, list[float]]:
        wanted = list(set(hashes))
        found: dict[str, list[float]] = {}
        with self._lock:
            for start in range(0, len(wanted), 500):
                part = wanted[start : start + 500]
                marks = ",".join("?" * len(part))
                for content_hash, blob in self._db.execute(
                    f"SELECT content_hash, vector FROM vectors WHERE content_hash IN ({marks})",
                    part,
                ):
                    found[content_hash] = _unpack(blob)
        return found

    def name_vectors(self, names: Iterable[str]) -> dict[str, list[float]]:
        wanted = list(set(names))
        found: dict[str, list[float]] = {}
        with self._lock:
            for start in range(0, len(wanted), 500):
                part = wanted[start : start + 500]
                marks = ",".join("?" * len(part))
                for name, blob in self._db.execute(
                    f"SELECT name, vector FROM name_vectors WHERE name IN ({marks})", part
                ):
                    found[name] = _unpack(blob)
        return found

    def names_without_vectors(self, limit: int) -> list[str]:
        """Name views of embedded chunks that have no vector (an index built before name
        views existed); the embedding worker fills them in after the chunks. Once none is
        missing the catalog remembers it and later calls cost nothing."""
        if self.get_meta("name_views") == "complete":
            return []
        with self._lock:
            used = {
                name_text(symbol, path)
                for symbol, path in self._db.execute(
                    "SELECT DISTINCT symbol, path FROM chunks WHERE embedded = 1"
                )
            }
            have = {name for (name,) in self._db.execute("SELECT name FROM name_vectors")}
        missing = sorted(used - have)
        if not missing:
            self.set_meta("name_views", "complete")
        return missing[:limit]

    def add_name_vectors(self, names: dict[str, list[float]]) -> None:
        with self._tx():
            self._db.executemany(
                "INSERT OR IGNORE INTO name_vectors VALUES (?, ?)",
                [(name, _pack(vector)) for name, vector in names.items()],
            )

    def begin_add(
        self,
        ids: Sequence[str],
        vectors: dict[str, list[float]],
        names: dict[str, list[float]] | None = None,
    ) -> list[str]:
        """Cache new chunk and name vectors and log add intents for the ids still present;
        returns them."""
        with self._tx():
            self._db.executemany(
                "INSERT OR IGNORE INTO vectors VALUES (?, ?)",
                [(content_hash, _pack(vector)) for content_hash, vector in vectors.items()],
            )
            self._db.executemany(
                "INSERT OR IGNORE INTO name_vectors VALUES (?, ?)",
                [(name, _pack(vector)) for name, vector in (names or {}).items()],
            )
            live = [
                cid
                for cid in ids
                if self._db.execute(
                    "SELECT 1 FROM chunks WHERE id = ? AND embedded = 0", (cid,)
                ).fetchone()
            ]
            self._log_intents(live, "add")
        return live

    def confirm_added(self, ids: Sequence[str]) -> None:
        """The vector store holds these ids now: mark them and settle their files."""
        with self._tx():
            paths: set[str] = set()
            for cid in ids:
                row = self._db.execute("SELECT path FROM chunks WHERE id = ?", (cid,)).fetchone()
                if row:
                    paths.add(row[0])
                    self._db.execute("UPDATE chunks SET embedded = 1 WHERE id = ?", (cid,))
            self._clear_intents(ids)
            for path in paths:
                self._settle_file(path)

    def _settle_file(self, path: str) -> None:
        left = self._db.execute(
            "SELECT count(*) FROM chunks WHERE path = ? AND embedded = 0", (path,)
        ).fetchone()[0]
        self._db.execute(
            "UPDATE files SET state = ? WHERE path = ?",
            ("keyword" if left else "embedded", path),
        )

    def _log_intents(self, ids: Sequence[str], op: str) -> None:
        self._db.executemany("INSERT OR REPLACE INTO intents VALUES (?, ?)", [(i, op) for i in ids])

    def _clear_intents(self, ids: Sequence[str]) -> None:
        self._db.executemany("DELETE FROM intents WHERE id = ?", [(i,) for i in ids])

    def clear_intents(self, ids: Sequence[str]) -> None:
        with self._tx():
            self._clear_intents(ids)

    def intents(self) -> dict[str, str]:
        with self._lock:
            return dict(self._db.execute("SELECT id, op FROM intents").fetchall())

    def settle_unconfirmed(self, ids: Sequence[str]) -> None:
        """After their vectors were removed from the store: embed these again (from cache)."""
        with self._tx():
            paths: set[str] = set()
            for cid in ids:
                row = self._db.execute("SELECT path FROM chunks WHERE id = ?", (cid,)).fetchone()
                if row:
                    paths.add(row[0])
                    self._db.execute("UPDATE chunks SET embedded = 0 WHERE id = ?", (cid,))
            self._clear_intents(ids)
            for path in paths:
                self._settle_file(path)

    def settle_files_without_chunks(self) -> None:
        """Empty files have nothing to embed; they count as embedded."""
        with self._tx():
            self._db.execute(
                "UPDATE files SET state = 'embedded' WHERE chunk_ids = '[]' AND state != 'embedded'"
            )

    def drop_unused_vectors(self) -> int:
        with self._tx():
            cursor = self._db.execute(
                "DELETE FROM vectors WHERE content_hash NOT IN (SELECT content_hash FROM chunks)"
            )
            used = {
                name_text(symbol, path)
                for symbol, path in self._db.execute("SELECT DISTINCT symbol, path FROM chunks")
            }
            stale = [
                (name,)
                for (name,) in self._db.execute("SELECT name FROM name_vectors")
                if name not in used
            ]
            self._db.executemany("DELETE FROM name_vectors WHERE name = ?", stale)
        return cursor.rowcount + len(stale)

    def embedded_ids(self) -> set[str]:
        with self._lock:
            return {row[0] for row in self._db.execute("SELECT id FROM chunks WHERE embedded = 1")}

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

    def mark_unembedded(self, ids: Iterable[str]) -> None:
        self.settle_unconfirmed(list(ids))

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


class _Transaction:
    """`with`: hold the lock and wrap the block in BEGIN IMMEDIATE ... COMMIT/ROLLBACK."""

    def __init__(self, db: sqlite3.Connection, lock: threading.RLock) -> None:
        self._db = db
        self._lock = lock

    def __enter__(self) -> None:
        self._lock.acquire()
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._lock.release()
            raise

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            self._db.execute("COMMIT" if exc_type is None else "ROLLBACK")
        finally:
            self._lock.release()
