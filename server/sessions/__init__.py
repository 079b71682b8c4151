"""Persistent chat sessions in SQLite; nothing here imports pygls."""

from server.sessions.history import as_history
from server.sessions.models import SessionInfo, Turn, TurnRole, TurnStatus
from server.sessions.store import SessionLimitReached, SessionNotFound, SessionStore

__all__ = [
    "SessionInfo",
    "SessionLimitReached",
    "SessionNotFound",
    "SessionStore",
    "Turn",
    "TurnRole",
    "TurnStatus",
    "as_history",
]
