"""The SQLite connection under `Catalog`: schema, the FTS5 table and its migration, the lock,
transactions, meta keys, and the row counts status reports.

Both halves of the catalog (`catalog.py` for files, chunks and search reads,
`catalog_vectors.py` for the embedding pipeline) hold this one object and read as plain SQL
on it: reads inside `reading()`, writes inside `transaction()`.

The counts (files, chunks, how many are embedded) live in memory: read once at open, then
each transaction states what it changed and the change applies when it commits. Status
reads them on the event loop for every search, without a query and without the lock.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Counts:
    """Catalog rows: files, those fully embedded, chunks, those embedded."""

    files: int = 0
    files_embedded: int = 0
    chunks: int = 0
    chunks_embedded: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.files + other.files,
            self.files_embedded + other.files_embedded,
            self.chunks + other.chunks,
            self.chunks_embedded + other.chunks_embedded,
        )


class CatalogDatabase:
    """One `index.sqlite3` (WAL mode): a connection shared by worker threads, behind a lock."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self._counts = Counts()
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
        self._counts = self._count()

    def _migrate_fts(self) -> None:
        """Rebuild the keyword table from stored chunks when its tokenizer changed (cheap:
        no file is re-read and no vector is recomputed)."""
        (sql,) = self._db.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'chunks_fts'"
        ).fetchone()
        if FTS_TOKENIZER in sql:
            return
        log.info("rebuilding the keyword index with tokenizer %s", FTS_TOKENIZER)
        with self.transaction() as tx:
            tx.execute("DROP TABLE chunks_fts")
            tx.execute(FTS_TABLE)
            rows = tx.execute("SELECT rowid, path, symbol, text FROM chunks").fetchall()
            tx.executemany(
                "INSERT INTO chunks_fts (rowid, path, symbol, body) VALUES (?, ?, ?, ?)",
                [(r[0], expand(r[1]), expand(r[2]), expand(r[3])) for r in rows],
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection, for reads, while no other thread uses it."""
        with self._lock:
            yield self._db

    def transaction(self) -> Transaction:
        return Transaction(self)

    # counts -----------------------------------------------------------------------------
    @property
    def counts(self) -> Counts:
        """As of the last commit; an immutable value, so any thread may read it unlocked."""
        return self._counts

    def counts_check(self) -> tuple[Counts, Counts]:
        """(in memory, counted in the database) at one moment: equal unless a transaction
        misstated what it changed."""
        with self._lock:
            return self._counts, self._count()

    def _count(self) -> Counts:
        with self._lock:
            files, files_embedded = self._db.execute(
                "SELECT count(*), coalesce(sum(state = 'embedded'), 0) FROM files"
            ).fetchone()
            chunks, chunks_embedded = self._db.execute(
                "SELECT count(*), coalesce(sum(embedded), 0) FROM chunks"
            ).fetchone()
        return Counts(files, files_embedded, chunks, chunks_embedded)

    def _committed(self, change: Counts) -> None:
        """Called with the lock held, right after COMMIT."""
        self._counts = self._counts + change

    # meta -------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        with self.reading() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as tx:
            tx.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))


class Transaction:
    """`with`: hold the lock and wrap the block in BEGIN IMMEDIATE ... COMMIT/ROLLBACK.

    Statements run through `execute`; `count` states how the block changed the counted rows,
    which applies only if it commits."""

    def __init__(self, database: CatalogDatabase) -> None:
        self._database = database
        self._db = database._db
        self._lock = database._lock
        self._change = Counts()

    def __enter__(self) -> Transaction:
        self._lock.acquire()
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._lock.release()
            raise
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            self._db.execute("COMMIT" if exc_type is None else "ROLLBACK")
            if exc_type is None:
                self._database._committed(self._change)
        finally:
            self._lock.release()

    def execute(self, sql: str, params: Sequence[object] = ()) -> sqlite3.Cursor:
        return self._db.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> sqlite3.Cursor:
        return self._db.executemany(sql, rows)

    def count(self, change: Counts) -> None:
        self._change = self._change + change

    def log_intents(self, ids: Sequence[str], op: str) -> None:
        """Vector-store writes about to happen (`op`: add or delete), replayed after a crash."""
        self._db.executemany("INSERT OR REPLACE INTO intents VALUES (?, ?)", [(i, op) for i in ids])
