"""The environment that points the real server process at the fake OpenAI-compatible LLM,
and the HTTP token it serves with."""

from __future__ import annotations

from pathlib import Path

from tests.fakes.openai_server import FakeOpenAIServer
from tests.support.lsp_harness import server_env

TOKEN = "chat-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def chat_env(data_dir: Path, fake: FakeOpenAIServer | None, **extra: str) -> dict[str, str]:
    """The server environment with the fake as the only LLM (None: no LLM configured)."""
    llm = (
        {
            "OPENAI_BASE_URL": f"{fake.url}/v1",
            "OPENAI_API_KEY": "test",
            "AURO_LLM_PROVIDERS": "openai",
        }
        if fake is not None
        else {"AURO_LLM_PROVIDERS": ""}
    )
    return server_env(
        data_dir,
        **{
            "LLAMACPP_SERVER_URL": "",
            "AURO_HTTP_TOKEN": TOKEN,
            "AURO_LLM_MAX_RETRIES": "0",
            **llm,
            **extra,
        },
    )
