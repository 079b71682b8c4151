"""`ask_codebase` over stdio against the fake OpenAI-compatible server: the answer streams as
progress notifications with workspace-relative citations, and cancelling the call closes the
model's stream."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from tests.fakes.openai_server import FakeOpenAIServer
from tests.support.chat_env import chat_env
from tests.support.mcp_client import call, error_text, mcp_session, wait_complete

REPLY = "divide() refuses a zero divisor."


def answer_env(data: Path, fake: FakeOpenAIServer | None) -> dict[str, str]:
    return chat_env(data, fake, AURO_EMBEDDING_BACKEND="torch", WEB_SEARCH_ENABLED="false")


async def test_the_answer_streams_as_progress_and_cites_workspace_paths(
    fake_openai: FakeOpenAIServer, repo: Path, tmp_path: Path
):
    fake_openai.reply_text = REPLY
    fake_openai.chunk_chars = 4
    progress: list[tuple[float, Any, Any]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, total, message))

    env = answer_env(tmp_path / "data", fake_openai)
    async with mcp_session(env, repo, tmp_path / "stderr") as (session, stray):
        await wait_complete(session)
        result = await session.call_tool(
            "ask_codebase", {"question": "What does divide do?"}, progress_callback=on_progress
        )
        answer = result.structured_content
        assert not result.is_error and answer["status"] == "completed"
        assert answer["text"] == REPLY
        cited = [c["path"] for c in answer["citations"] if c["path"]]
        assert "calc.py" in cited and not any(Path(p).is_absolute() for p in cited)
        assert "".join(message for _, _, message in progress) == REPLY
        assert [done for done, _, _ in progress] == sorted({done for done, _, _ in progress})
        prompt = " ".join(m["content"] for m in fake_openai.requests[-1]["messages"])
        assert "def divide(a, b):" in prompt  # grounded in the indexed code
    assert stray == []


async def test_cancelling_ask_codebase_closes_the_model_stream(
    fake_openai: FakeOpenAIServer, repo: Path, tmp_path: Path
):
    fake_openai.reply_text = "word " * 200
    fake_openai.delay = 0.05
    pieces = asyncio.Queue[str]()

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        pieces.put_nowait(message or "")

    env = answer_env(tmp_path / "data", fake_openai)
    async with mcp_session(env, repo, tmp_path / "stderr") as (session, stray):
        asking = asyncio.ensure_future(
            session.call_tool(
                "ask_codebase", {"question": "Talk for a long time"}, progress_callback=on_progress
            )
        )
        for _ in range(3):
            await asyncio.wait_for(pieces.get(), timeout=60)
        asking.cancel()
        await asyncio.gather(asking, return_exceptions=True)
        assert await fake_openai.wait_for_disconnects(1, timeout=5)
        assert fake_openai.completed == 0
        # the server carries on serving
        status = (await call(session, "index_status")).structured_content
        assert status["workspaces"][0]["root"] == str(repo.resolve())
    assert stray == []


async def test_without_a_model_ask_codebase_is_a_tool_error_that_says_so(
    repo: Path, tmp_path: Path
):
    async with mcp_session(answer_env(tmp_path / "data", None), repo, tmp_path / "stderr") as (
        session,
        stray,
    ):
        message = error_text(await call(session, "ask_codebase", question="What does add do?"))
        assert "model" in message
    assert stray == []
