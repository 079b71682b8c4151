"""Editor end-to-end tests: the real server driven by headless Neovim and Chromium.

Shared here: a tiny fixture workspace and the environment that points the server at the fake
OpenAI-compatible LLM (never a real endpoint, never the user's data directory).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.fixtures import fake_openai  # noqa: F401
from tests.fakes.openai_server import FakeOpenAIServer
from tests.lsp_harness import server_env
from tests.sample_code import CALC, GEOMETRY


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """Two small Python files under a `.git` marker (the workspace root for the editors)."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "calc.py").write_text(CALC)
    (root / "geometry.py").write_text(GEOMETRY)
    return root


def llm_env(data_dir: Path, fake: FakeOpenAIServer, **extra: str) -> dict[str, str]:
    """The server environment with the fake as the only LLM provider."""
    return server_env(
        data_dir,
        OPENAI_BASE_URL=f"{fake.url}/v1",
        OPENAI_API_KEY="test",
        AURO_LLM_PROVIDERS="openai",
        AURO_LLM_MAX_RETRIES="0",
        LLAMACPP_SERVER_URL="",
        **extra,
    )
