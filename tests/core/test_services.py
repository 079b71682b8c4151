"""The composition root: parts are built once and wired; a settings change reconfigures them
in place, so the chat service and the HTTP routes wired to them keep live objects.

Real parts throughout: two fake OpenAI-compatible servers on 127.0.0.1, a real session store
and tool service; no workspace is opened (the turns do not search).
"""

from __future__ import annotations

from pathlib import Path

from server.chat import ChatRequest
from server.config import Settings
from server.llm import LLMManager
from server.services import Services
from server.sessions import SessionStore
from server.tools import ToolService
from tests.fakes.openai_server import FakeOpenAIServer


def settings_for(data_dir: Path, fake: FakeOpenAIServer, **extra: object) -> Settings:
    return Settings.model_validate(
        {
            "data_dir": str(data_dir),
            "llamacpp_server_url": "",
            "gemini_api_key": "",
            "openai_api_key": "test",
            "openai_base_url": f"{fake.url}/v1",
            "llm_max_retries": 0,
            "watch_files": False,
            "embedding_backend": "torch",  # built, never loaded: no turn here searches
            **extra,
        }
    )


async def test_a_new_llm_endpoint_reaches_the_chat_service_wired_at_start(tmp_path: Path):
    async with FakeOpenAIServer() as first, FakeOpenAIServer() as second:
        first.reply_text, second.reply_text = "from the first", "from the second"
        async with await Services.open(settings_for(tmp_path, first)) as services:
            chat, llm = services.chat, services.llm
            before = await chat.chat(ChatRequest("hello", include_rag=False))
            await services.update_settings(
                services.settings.model_copy(update={"openai_base_url": f"{second.url}/v1"})
            )
            after = await chat.chat(ChatRequest("again", include_rag=False))
            assert services.llm is llm and services.chat is chat
            usage = llm.usage.snapshot()["totals"]
    assert (before.text, after.text) == ("from the first", "from the second")
    assert (len(first.requests), len(second.requests)) == (1, 1)
    assert usage["completed"] == 2, "usage is kept across the change"


async def test_a_tools_change_reconfigures_the_service_the_routes_hold(tmp_path: Path):
    async with FakeOpenAIServer() as fake:
        settings = settings_for(tmp_path, fake, web_search_enabled=True)
        async with await Services.open(settings) as services:
            tools = services.tools
            assert tools.health().status == "ok"
            await services.update_settings(
                settings.model_copy(update={"web_search_enabled": False})
            )
            assert services.tools is tools
            assert tools.health().reason == "web search disabled; fetch available"


def test_wiring_needs_no_event_loop_and_opens_nothing(tmp_path: Path):
    """The constructor only wires the parts it is given: no running loop, no files."""
    settings = Settings.model_validate({"data_dir": str(tmp_path / "data")})
    sessions = SessionStore(tmp_path / "sessions.sqlite3")
    try:
        services = Services(
            settings,
            embedder=object(),  # type: ignore[arg-type]
            llm=LLMManager([]),
            tools=ToolService(),
            sessions=sessions,
        )
        assert services.chat.llm is services.llm and services.chat.sessions is sessions
        assert services.chat.web is services.tools and services.suggestions.llm is services.llm
        assert not (tmp_path / "data").exists()
    finally:
        sessions.close()
