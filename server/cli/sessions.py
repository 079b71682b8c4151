"""`chat --session ID`: continue a session that exists, or start one only when asked to.

Checked in the shared session store before any chat starts, so an unknown id is an error
whether the turn then runs in this process or in a running server.
"""

from __future__ import annotations

from server.cli.errors import CliError
from server.config import Settings
from server.sessions import SessionStore


async def open_session(settings: Settings, session_id: str, message: str, new: bool) -> None:
    """Raise CliError for an unknown id (or a known one with `new`); create it with `new`."""
    store = SessionStore.from_settings(settings)
    try:
        exists = await store.get(session_id) is not None
        if exists and new:
            raise CliError(
                f"chat session {session_id!r} already exists",
                "continue it: leave out --new-session",
            )
        if not exists and not new:
            raise CliError(
                f"no chat session {session_id!r} (it may have expired or been deleted)",
                "start a new one: auro-pai chat MESSAGE, or keep this id: "
                f"auro-pai chat MESSAGE --session {session_id} --new-session",
            )
        if new:
            await store.create(message, session_id)
    finally:
        store.close()
