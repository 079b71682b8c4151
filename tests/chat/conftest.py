"""Tiny fixture workspaces, the fake OpenAI-compatible server and the environment that points
the real server process at it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.fixtures import fake_openai, fake_openai_2  # noqa: F401
from tests.fakes.openai_server import FakeOpenAIServer
from tests.lsp_harness import server_env
from tests.sample_code import CALC, GEOMETRY

TOKEN = "chat-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Two small Python files and an empty tests/ folder."""
    root = tmp_path / "repo"
    (root / "tests").mkdir(parents=True)
    (root / "calc.py").write_text(CALC)
    (root / "geometry.py").write_text(GEOMETRY)
    return root


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
