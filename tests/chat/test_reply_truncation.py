"""A chat turn cut by the reply limit is reported and continued; citations and notices say
exactly what the model saw (oversized chunks cut to an excerpt, others left out).

ChatService runs over a real LLMManager against the llama.cpp fake (exact token counts via
`/tokenize`, the window from `/props`) and a real SessionStore; retrieval is a stand-in that
returns the chunks each case needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from server.chat import ChatRequest, ChatService
from server.config import Settings
from server.indexing.search import SearchResult
from server.llm import LLMManager
from server.services import Found, MultiSearch, Workspace
from server.sessions import SessionStore
from server.tools.models import SearchAndFetchResult
from tests.fakes.common import Reply
from tests.fakes.openai_server import FakeOpenAIServer

LIMIT = 64
LONG_REPLY = Reply(text="word " * 100, chunk_chars=5)  # 100 tokens in the fake


def big_module(name: str, needle_at: int, needle: str) -> str:
    """200 lines of filler with one line the question is about."""
    lines = [f"{name}_value_{i} = {i}" for i in range(1, 201)]
    lines[needle_at - 1] = needle
    return "\n".join(lines)


def llm_for(fake: FakeOpenAIServer) -> LLMManager:
    values: dict[str, Any] = {
        "llamacpp_server_url": fake.url,
        "openai_api_key": "",
        "gemini_api_key": "",
        "llm_max_retries": 0,
        "llm_reply_reserve": LIMIT,
    }
    return LLMManager.from_settings(Settings.model_validate(values))


@dataclass
class ScriptedCode:
    """Stands in for the workspace roots: one root, with scripted search hits."""

    root: Path
    hits: list[SearchResult] = field(default_factory=list)

    @property
    def workspaces(self) -> list[Workspace]:
        return [Workspace(self.root, self.root / ".data", index=None)]  # type: ignore[arg-type]

    def workspace_for(self, path: Path) -> Workspace | None:
        return self.workspaces[0] if path.is_relative_to(self.root) else None

    async def search(self, query: str, k: int = 10, *_: Any, **__: Any) -> MultiSearch:
        return MultiSearch([Found(self.workspaces[0], h) for h in self.hits], True, [])


class NoWeb:
    async def search_and_fetch(self, *_: Any) -> SearchAndFetchResult:
        raise AssertionError("these turns do not search the web")


def chat_over(llm: LLMManager, sessions: SessionStore, code: ScriptedCode) -> ChatService:
    return ChatService(llm=llm, sessions=sessions, code=code, web=NoWeb())


@pytest.fixture
def store(tmp_path: Path):
    sessions = SessionStore(tmp_path / "sessions.sqlite3")
    yield sessions
    sessions.close()


async def test_a_cut_reply_is_reported_stored_and_continued(store, tmp_path):
    async with FakeOpenAIServer() as fake:
        fake.script.append(LONG_REPLY)
        llm = llm_for(fake)
        chat = chat_over(llm, store, ScriptedCode(tmp_path))
        first = await chat.chat(ChatRequest("Explain everything."))
        assert fake.requests[0]["max_tokens"] == LIMIT
        assert first.truncated and first.status == "completed"
        assert first.text == ("word " * 100)[: LIMIT * 5]
        assert first.notices == [
            f"The reply was cut off after {LIMIT} tokens by the reply limit of {LIMIT} tokens. "
            'Send "continue" in this session to get the rest.'
        ]
        assert first.to_json()["truncated"] is True
        turns = await store.history(first.session_id)
        assert turns[-1].usage["truncated"] is True

        second = await chat.chat(ChatRequest("continue", session_id=first.session_id))
        await llm.aclose()
    sent = fake.requests[1]["messages"]
    assert {"role": "assistant", "content": first.text} in sent, "the partial answer is replayed"
    assert sent[-1]["content"].endswith("continue")
    assert not second.truncated and second.notices == []


async def test_oversized_chunks_are_cut_and_citations_match_what_was_sent(store, tmp_path):
    best = big_module("alpha", 150, "def parse_config(path): return load(path)")
    other = big_module("beta", 20, "def unrelated(): pass")
    hits = [
        SearchResult("alpha.py", 1, 200, "", "python", 0.9, best, ["keyword"]),
        SearchResult("beta.py", 1, 200, "", "python", 0.5, other, ["keyword"]),
    ]
    async with FakeOpenAIServer(props_n_ctx=700) as fake:
        llm = llm_for(fake)
        chat = chat_over(llm, store, ScriptedCode(tmp_path, hits))
        reply = await chat.chat(ChatRequest("Where is parse_config defined?"))
        await llm.aclose()
    assert reply.status == "completed", reply.error
    prompt = fake.requests[0]["messages"][-1]["content"]
    assert "def parse_config(path)" in prompt, "the best match survives, as an excerpt"
    assert "[excerpt of lines 1-200]" in prompt and "beta.py" not in prompt
    [citation] = reply.citations
    assert citation.path == str(tmp_path / "alpha.py")
    assert citation.start_line <= 150 <= citation.end_line
    assert (citation.start_line, citation.end_line) != (1, 200)
    assert f"alpha.py:{citation.start_line}-{citation.end_line}" in prompt
    assert reply.notices == [
        f"Cut alpha.py:1-200 to lines {citation.start_line}-{citation.end_line} (around the "
        "best match for the question) to fit the model's window.",
        "Left out 1 retrieved code piece(s) that did not fit the model's window: beta.py:1-200.",
    ]


async def test_a_prompt_that_cannot_fit_cites_nothing(store, tmp_path):
    hits = [SearchResult("alpha.py", 1, 3, "", "python", 0.9, "a = 1\nb = 2\nc = 3", ["keyword"])]
    async with FakeOpenAIServer(props_n_ctx=200) as fake:
        llm = llm_for(fake)
        reply = await chat_over(llm, store, ScriptedCode(tmp_path, hits)).chat(
            ChatRequest("why " * 300)
        )
        await llm.aclose()
    assert reply.status == "error" and "window" in (reply.error or "")
    assert reply.citations == [], "nothing was sent, so nothing is cited"
    assert fake.requests == []
