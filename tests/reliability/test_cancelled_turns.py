"""A chat turn cut short while its context is gathered keeps the question (issue #14 part 3).

The server cancels running requests when it exits; a turn cancelled mid-stream was already
stored as cancelled, but one cancelled during retrieval (search waits behind indexing) lost
its question. ChatService over a real SessionStore, with a search that never returns.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from server.chat import ChatRequest, ChatService
from server.indexing.multi_root import MultiSearch
from server.sessions import SessionStore
from tests.chat.test_chat_service import StubCode, StubTools, llm_for


class SlowSearch(StubCode):
    """Search blocks until cancelled, like a query queued behind an embedding batch."""

    entered: asyncio.Event | None = None

    async def search(self, query: str, k: int = 10, *_: Any, **__: Any) -> MultiSearch:
        assert self.entered is not None
        self.entered.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


async def test_cancel_during_retrieval_stores_question_and_cancelled_answer(
    tmp_path: Path,
) -> None:
    sessions = SessionStore(tmp_path / "sessions.sqlite3")
    try:
        code = SlowSearch(tmp_path)
        code.entered = asyncio.Event()
        chat = ChatService(llm=llm_for(None), sessions=sessions, code=code, web=StubTools())
        session = await chat.open_session("cut-short", "cut short")
        turn = asyncio.create_task(chat.chat(ChatRequest("where is add?", session)))
        await asyncio.wait_for(code.entered.wait(), 10)
        turn.cancel()
        with pytest.raises(asyncio.CancelledError):
            await turn
        history = await sessions.history(session)
        assert [(t.role, t.content, t.status) for t in history] == [
            ("user", "where is add?", "completed"),
            ("assistant", "", "cancelled"),
        ]
    finally:
        sessions.close()
