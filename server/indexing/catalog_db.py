"""The SQLite connection under `Catalog`: schema, the FTS5 table and its migration, the lock
and the one-transaction-per-method helper, meta keys and the intent log writer.

Kept apart from the catalog's queries so that each of them (`catalog.py` for files, chunks
and search reads, `catalog_vectors.py` for the embedding pipeline) reads as plain SQL on a
connection whose setup lives in one place.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

from server.indexing.identifiers import expand

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

# Porter stemming lets "returns lines" meet `read_line`; identifiers are split before it.
FTS_TOKENIZER = "'porter unicode61'"
FTS_TABLE = (
    f"CREATE VIRTUAL TABLE chunks_fts USING fts5 (path, symbol, body, tokenize={FTS_TOKENIZER})"
)


class CatalogDatabase:
    """One `index.sqlite3` (WAL mode): a connection shared by worker threads, behind a lock."""

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
        # Opening an existing catalog writes nothing, so it never waits for another writer.
        if self._db.execute("SELECT 1 FROM meta WHERE key = 'schema'").fetchone() is None:
            self._db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
            # every chunk will bring its name view: nothing to backfill
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

    def _tx(self) -> Transaction:
        return Transaction(self._db, self._lock)

    # meta -----------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._tx():
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # intents (inside a caller's transaction) ------------------------------------------
    def _log_intents(self, ids: Sequence[str], op: str) -> None:
        self._db.executemany("INSERT OR REPLACE INTO intents VALUES (?, ?)", [(i, op) for i in ids])


class Transaction:
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
