"""Chat sessions persisted in one SQLite file (WAL), shared safely by several processes.

Every write is one `BEGIN IMMEDIATE` transaction with `synchronous=FULL`, so a turn is on
disk when `append` returns (safe against kill -9), and concurrent writers queue on the
database lock (`busy_timeout`) instead of failing. Blocking calls run in a worker thread.

A session with a turn in flight is pinned (a row in `turns_in_flight`): it is neither
evicted nor expired until the turn ends. Pins of this process always count; pins of other
processes count while their lease runs, and the lease is renewed while the turn lasts, so a
process killed mid-turn frees its sessions within `LEASE_S`. Expiry is checked on every
read; the sweeper only deletes what reads already treat as gone.
"""

from __future__ import annotations

import asyncio
import builtins
import json
import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from server.config import Settings
from server.paths import data_root
from server.sessions.models import SessionInfo, Turn
from server.sessions.schema import BUSY, COUNTED, LIVE, SCHEMA, session_info

log = logging.getLogger(__name__)
TITLE_CHARS = 60  # a session is titled with the start of its first message

BUSY_TIMEOUT_MS = 10_000
LEASE_S = 60.0  # a pin of another process counts this long after its last renewal


class SessionNotFound(KeyError):
    """The session does not exist (never created, deleted, expired or evicted)."""


class SessionLimitReached(RuntimeError):
    """No room for a new session: every one of `max_sessions` has a turn in flight."""


class SessionStore:
    """Create, list, read, append to and delete chat sessions; LRU-bounded, expiring."""

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionStore:
        """The user's one session store, shared by every process (LSP, serve, CLI)."""
        return cls(
            data_root(settings) / "sessions.sqlite3",
            max_sessions=settings.max_sessions,
            session_timeout=settings.session_timeout,
        )

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
        self._owner = uuid.uuid4().hex  # this store's pins
        self._pins: set[int] = set()
        self._renewer: asyncio.Task[None] | None = None
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

    def _params(self, **extra: Any) -> dict[str, Any]:
        now = self._clock()
        return {"owner": self._owner, "now": now, "cutoff": now - self.session_timeout, **extra}

    # -- blocking implementations ------------------------------------------------------
    def _live(self, db: sqlite3.Connection, session_id: str) -> SessionInfo | None:
        row = db.execute(
            f"SELECT s.*, {COUNTED} FROM sessions s WHERE s.id = :id AND {LIVE}",
            self._params(id=session_id),
        ).fetchone()
        return None if row is None else session_info(row)

    def _open(
        self,
        session_id: str | None,
        title: str,
        create: bool,
        pin: bool,
        workspaces: Sequence[str] = (),
    ) -> tuple[SessionInfo, int | None]:
        """The session (created when allowed and missing, recording its workspace roots),
        touched and optionally pinned, all in one transaction: concurrent first uses of one
        id share one session."""
        with self._write() as db:
            params = self._params(
                id=session_id, title=title[:TITLE_CHARS], workspaces=json.dumps(list(workspaces))
            )
            db.execute(f"DELETE FROM sessions AS s WHERE s.id = :id AND NOT {LIVE}", params)
            exists = session_id is not None and self._live(db, session_id) is not None
            if not exists:
                if session_id is not None and not create:
                    raise SessionNotFound(session_id)
                params["id"] = session_id or uuid.uuid4().hex
                self._make_room(db, params)
                db.execute(
                    "INSERT INTO sessions (id, title, created_at, last_used, workspaces) "
                    "VALUES (:id, :title, :now, :now, :workspaces)",
                    params,
                )
            else:
                db.execute("UPDATE sessions SET last_used = :now WHERE id = :id", params)
            pin_id = None
            if pin:
                pin_id = db.execute(
                    "INSERT INTO turns_in_flight (session_id, owner, lease_until) "
                    "VALUES (:id, :owner, :now + :lease)",
                    {**params, "lease": LEASE_S},
                ).lastrowid
            info = self._live(db, params["id"])
        assert info is not None
        return info, pin_id

    def _make_room(self, db: sqlite3.Connection, params: dict[str, Any]) -> None:
        """Drop expired sessions, then the least recently used idle ones, so one more fits;
        raises `SessionLimitReached` (rolling back) when the rest all have turns in flight."""
        expired = db.execute(f"DELETE FROM sessions AS s WHERE NOT {LIVE}", params).rowcount
        if expired:
            log.info("expired %d idle chat session(s)", expired)
        evicted = db.execute(
            "DELETE FROM sessions WHERE id IN (SELECT s.id FROM sessions s "
            f"WHERE NOT {BUSY} ORDER BY s.last_used, s.created_at "
            "LIMIT max(0, (SELECT COUNT(*) FROM sessions) - :keep))",
            {**params, "keep": self.max_sessions - 1},
        ).rowcount
        if evicted:
            log.info("evicted %d least recently used chat session(s)", evicted)
        if db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] >= self.max_sessions:
            raise SessionLimitReached(
                f"all {self.max_sessions} chat sessions (MAX_SESSIONS) have a turn in "
                "flight; retry when one finishes"
            )

    def _unpin(self, pin_id: int) -> None:
        with self._write() as db:
            db.execute("DELETE FROM turns_in_flight WHERE id = ?", (pin_id,))

    def _renew(self) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE turns_in_flight SET lease_until = :now + :lease WHERE owner = :owner",
                self._params(lease=LEASE_S),
            )

    def _list(self, workspace: str | None) -> list[SessionInfo]:
        with self._read() as db:
            rows = db.execute(
                f"SELECT s.*, {COUNTED} FROM sessions s WHERE {LIVE} ORDER BY s.last_used DESC",
                self._params(),
            ).fetchall()
        infos = [session_info(r) for r in rows]  # at most `max_sessions` rows
        return [i for i in infos if workspace is None or workspace in i.workspaces]

    def _get(self, session_id: str) -> SessionInfo | None:
        with self._read() as db:
            return self._live(db, session_id)

    def _history(self, session_id: str, limit: int | None) -> list[Turn]:
        with self._read() as db:
            if self._live(db, session_id) is None:
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
        params = self._params(id=session_id)
        with self._write() as db:
            touched = db.execute(
                f"UPDATE sessions AS s SET last_used = :now WHERE s.id = :id AND {LIVE}", params
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
                    params["now"],
                ),
            )
        return Turn(**{**turn.to_json(), "created_at": params["now"], "id": cursor.lastrowid})

    def _delete(self, session_id: str) -> bool:
        """Deletes even a session with a turn in flight (that turn then fails to store)."""
        with self._write() as db:
            live = self._live(db, session_id) is not None
            db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
        return live

    def _sweep(self) -> int:
        params = self._params()
        with self._write() as db:
            expired = db.execute(f"DELETE FROM sessions AS s WHERE NOT {LIVE}", params).rowcount
            db.execute(
                "DELETE FROM turns_in_flight WHERE owner != :owner AND lease_until <= :now",
                params,
            )
        if expired:
            log.info("expired %d idle chat session(s)", expired)
        return expired

    # -- async API ---------------------------------------------------------------------
    async def create(
        self, title: str = "", session_id: str | None = None, workspaces: Sequence[str] = ()
    ) -> SessionInfo:
        """A new session (recording the workspace roots it belongs to), or the live one
        already under `session_id`; evicts the least recently used idle sessions beyond
        `max_sessions` (`SessionLimitReached` if none)."""
        info, _ = await asyncio.to_thread(self._open, session_id, title, True, False, workspaces)
        return info

    @asynccontextmanager
    async def turn(
        self,
        session_id: str | None,
        title: str = "",
        *,
        create: bool = False,
        workspaces: Sequence[str] = (),
    ) -> AsyncIterator[SessionInfo]:
        """Pin a session for one turn: it is neither evicted nor expired until the block
        ends. A missing `session_id` raises `SessionNotFound` unless `create`; None starts
        a new session."""
        info, pin_id = await asyncio.to_thread(
            self._open, session_id, title, create, True, workspaces
        )
        assert pin_id is not None
        self._pins.add(pin_id)
        if self._renewer is None or self._renewer.done():
            self._renewer = asyncio.get_running_loop().create_task(self._keep_leases())
        try:
            yield info
        finally:
            self._pins.discard(pin_id)
            await asyncio.shield(asyncio.to_thread(self._unpin, pin_id))

    async def _keep_leases(self) -> None:
        """Renew this store's pins while it has any, so other processes keep honouring them."""
        while self._pins:
            await asyncio.sleep(LEASE_S / 3)
            try:
                await asyncio.to_thread(self._renew)
            except sqlite3.Error as exc:
                log.warning("renewing chat session pins failed: %s", exc)

    async def list(self, workspace: str | None = None) -> list[SessionInfo]:
        """Live sessions (of one workspace root, if given), most recently used first."""
        return await asyncio.to_thread(self._list, workspace)

    async def get(self, session_id: str) -> SessionInfo | None:
        return await asyncio.to_thread(self._get, session_id)

    async def history(
        self, session_id: str, limit: int | None = None
    ) -> builtins.list[Turn]:  # `list` here is the method above
        """Turns oldest first (the last `limit` if given); raises `SessionNotFound`."""
        return await asyncio.to_thread(self._history, session_id, limit)

    async def append(self, session_id: str, turn: Turn) -> Turn:
        """Store a turn durably and mark the session used; raises `SessionNotFound`."""
        return await asyncio.to_thread(self._append, session_id, turn)

    async def delete(self, session_id: str) -> bool:
        """True when a live session was deleted (a turn in flight then fails to store)."""
        return await asyncio.to_thread(self._delete, session_id)

    async def sweep(self) -> int:
        """Delete sessions idle longer than `session_timeout` (reads already skip them)."""
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
        if self._renewer is not None:
            self._renewer.cancel()
        with self._lock:
            self._db.close()
