"""The environment that points the server at the fake OpenAI-compatible LLM (never a real
endpoint, never the user's data directory)."""

from __future__ import annotations

from pathlib import Path

from tests.fakes.openai_server import FakeOpenAIServer
from tests.support.lsp_harness import server_env


def llm_env(
    data_dir: Path, fake: FakeOpenAIServer, infill: FakeOpenAIServer | None = None, **extra: str
) -> dict[str, str]:
    """The server environment with the fake as the only chat provider; with `infill`, a
    second fake is the llama.cpp server inline completion asks (`/infill`)."""
    fim: dict[str, str] = {}
    if infill is not None:
        fim = {
            "LLAMACPP_SERVER_URL": infill.url,
            "AURO_LLM_PROVIDERS": "openai,llamacpp",
            "AURO_INLINE_COMPLETION_PROVIDER": "llamacpp",
        }
    env = {
        "OPENAI_BASE_URL": f"{fake.url}/v1",
        "OPENAI_API_KEY": "test",
        "AURO_LLM_PROVIDERS": "openai",
        "AURO_LLM_MAX_RETRIES": "0",
        "LLAMACPP_SERVER_URL": "",
        **fim,
        **extra,
    }
    return server_env(data_dir, **env)
