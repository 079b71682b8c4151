"""The session database's tables and the SQL conditions the store's queries share."""

from __future__ import annotations

import json
import sqlite3

from server.sessions.models import SessionInfo

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
CREATE TABLE IF NOT EXISTS turns_in_flight (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    owner TEXT NOT NULL,
    lease_until REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS turns_in_flight_session ON turns_in_flight(session_id);
"""
# SQL conditions on a session row `s`; named parameters :owner, :now and :cutoff.
BUSY = (
    "EXISTS (SELECT 1 FROM turns_in_flight f WHERE f.session_id = s.id "
    "AND (f.owner = :owner OR f.lease_until > :now))"
)
LIVE = f"(s.last_used >= :cutoff OR {BUSY})"
COUNTED = "(SELECT COUNT(*) FROM turns t WHERE t.session_id = s.id) AS n"


def session_info(row: sqlite3.Row) -> SessionInfo:
    return SessionInfo(
        row["id"],
        row["title"],
        row["created_at"],
        row["last_used"],
        row["n"],
        tuple(json.loads(row["workspaces"])),
    )
