"""Chat sessions persisted in one SQLite file (WAL), shared safely by several processes.

Every write is one `BEGIN IMMEDIATE` transaction with `synchronous=FULL`, so a turn is on
disk when `append` returns (safe against kill -9), and concurrent writers queue on the
database lock (`busy_timeout`) instead of failing. Blocking calls run in a worker thread.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from server.sessions.models import SessionInfo, Turn

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000
SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    created_at REAL NOT NULL,
    last_used REAL NOT NULL,
    workspaces TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS sessions_last_used ON sessions(last_used);
CREATE TABLE IF NOT EXISTS turns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    content TEXT NOT NULL,
    status TEXT NOT NULL,
    provider TEXT,
    model TEXT,
    usage TEXT NOT NULL,
    citations TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS turns_session ON turns(session_id, id);
"""


def _session_info(row: sqlite3.Row) -> SessionInfo:
    return SessionInfo(
        row["id"],
        row["title"],
        row["created_at"],
        row["last_used"],
        row["n"],
        tuple(json.loads(row["workspaces"])),
    )


class SessionNotFound(KeyError):
    """The session does not exist (never created, deleted, expired or evicted)."""


class SessionStore:
    """Create, list, read, append to and delete chat sessions; LRU-bounded, expiring."""

    def __init__(
        self,
        path: Path,
        *,
        max_sessions: int = 100,
        session_timeout: float = 86400,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self.max_sessions = max_sessions
        self.session_timeout = session_timeout
        self._clock = clock
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        self._db.row_factory = sqlite3.Row
        self._db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        with self._write() as db:
            for statement in filter(str.strip, SCHEMA.split(";")):
                db.execute(statement)
            columns = {row["name"] for row in db.execute("PRAGMA table_info(sessions)")}
            if "workspaces" not in columns:  # a database from before sessions had roots
                db.execute("ALTER TABLE sessions ADD COLUMN workspaces TEXT NOT NULL DEFAULT '[]'")

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One immediate (write-locked) transaction; rolled back on error."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._db

    # -- blocking implementations ------------------------------------------------------
    def _info(self, db: sqlite3.Connection, session_id: str) -> SessionInfo | None:
        row = db.execute(
            "SELECT s.*, (SELECT COUNT(*) FROM turns t WHERE t.session_id = s.id) AS n "
            "FROM sessions s WHERE s.id = ?",
            (session_id,),
        ).fetchone()
        return None if row is None else _session_info(row)

    def _create(self, title: str, session_id: str | None, workspaces: Sequence[str]) -> SessionInfo:
        now = self._clock()
        new_id = session_id or uuid.uuid4().hex
        with self._write() as db:
            db.execute(
                "INSERT INTO sessions (id, title, created_at, last_used, workspaces) "
                "VALUES (?, ?, ?, ?, ?)",
                (new_id, title, now, now, json.dumps(list(workspaces))),
            )
            self._evict(db)
            info = self._info(db, new_id)
        assert info is not None
        return info

    def _evict(self, db: sqlite3.Connection) -> None:
        """Delete the least recently used sessions beyond `max_sessions`."""
        evicted = db.execute(
            "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions "
            "ORDER BY last_used DESC, created_at DESC LIMIT -1 OFFSET ?)",
            (self.max_sessions,),
        ).rowcount
        if evicted:
            log.info("evicted %d least recently used chat session(s)", evicted)

    def _list(self, workspace: str | None) -> list[SessionInfo]:
        with self._read() as db:
            rows = db.execute(
                "SELECT s.*, (SELECT COUNT(*) FROM turns t WHERE t.session_id = s.id) AS n "
                "FROM sessions s ORDER BY s.last_used DESC"
            ).fetchall()
        infos = [_session_info(r) for r in rows]  # at most `max_sessions` rows
        return [i for i in infos if workspace is None or workspace in i.workspaces]

    def _get(self, session_id: str) -> SessionInfo | None:
        with self._read() as db:
            return self._info(db, session_id)

    def _history(self, session_id: str, limit: int | None) -> list[Turn]:
        with self._read() as db:
            if self._info(db, session_id) is None:
                raise SessionNotFound(session_id)
            rows = db.execute(
                "SELECT * FROM (SELECT * FROM turns WHERE session_id = ? ORDER BY id DESC "
                "LIMIT ?) ORDER BY id",
                (session_id, -1 if limit is None else limit),
            ).fetchall()
        return [
            Turn(
                role=r["role"],
                content=r["content"],
                status=r["status"],
                provider=r["provider"],
                model=r["model"],
                usage=json.loads(r["usage"]),
                citations=json.loads(r["citations"]),
                created_at=r["created_at"],
                id=r["id"],
            )
            for r in rows
        ]

    def _append(self, session_id: str, turn: Turn) -> Turn:
        now = self._clock()
        with self._write() as db:
            touched = db.execute(
                "UPDATE sessions SET last_used = ? WHERE id = ?", (now, session_id)
            ).rowcount
            if not touched:
                raise SessionNotFound(session_id)
            cursor = db.execute(
                "INSERT INTO turns (session_id, role, content, status, provider, model, usage, "
                "citations, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    session_id,
                    turn.role,
                    turn.content,
                    turn.status,
                    turn.provider,
                    turn.model,
                    json.dumps(turn.usage),
                    json.dumps(turn.citations),
                    now,
                ),
            )
        return Turn(**{**turn.to_json(), "created_at": now, "id": cursor.lastrowid})

    def _delete(self, session_id: str) -> bool:
        with self._write() as db:
            return db.execute("DELETE FROM sessions WHERE id = ?", (session_id,)).rowcount > 0

    def _sweep(self) -> int:
        cutoff = self._clock() - self.session_timeout
        with self._write() as db:
            expired = db.execute("DELETE FROM sessions WHERE last_used < ?", (cutoff,)).rowcount
        if expired:
            log.info("expired %d idle chat session(s)", expired)
        return expired

    # -- async API ---------------------------------------------------------------------
    async def create(
        self, title: str = "", session_id: str | None = None, workspaces: Sequence[str] = ()
    ) -> SessionInfo:
        """A new session, recording the workspace roots it belongs to; evicts the least
        recently used ones beyond `max_sessions`."""
        return await asyncio.to_thread(self._create, title, session_id, workspaces)

    async def list(self, workspace: str | None = None) -> list[SessionInfo]:
        """Sessions (of one workspace root, if given), most recently used first."""
        return await asyncio.to_thread(self._list, workspace)

    async def get(self, session_id: str) -> SessionInfo | None:
        return await asyncio.to_thread(self._get, session_id)

    async def history(self, session_id: str, limit: int | None = None) -> list[Turn]:
        """Turns oldest first (the last `limit` if given); raises `SessionNotFound`."""
        return await asyncio.to_thread(self._history, session_id, limit)

    async def append(self, session_id: str, turn: Turn) -> Turn:
        """Store a turn durably and mark the session used; raises `SessionNotFound`."""
        return await asyncio.to_thread(self._append, session_id, turn)

    async def delete(self, session_id: str) -> bool:
        return await asyncio.to_thread(self._delete, session_id)

    async def sweep(self) -> int:
        """Delete sessions idle longer than `session_timeout`; returns how many."""
        return await asyncio.to_thread(self._sweep)

    async def run_sweeper(self, interval: float = 60.0) -> None:
        """Sweep forever every `interval` seconds; run it as a task and cancel it to stop."""
        while True:
            try:
                await self.sweep()
            except sqlite3.Error as exc:
                log.warning("session sweep failed: %s", exc)
            await asyncio.sleep(interval)

    def close(self) -> None:
        with self._lock:
            self._db.close()
