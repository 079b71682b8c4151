"""Editor end-to-end tests: the real server driven by headless Neovim and Chromium.

Here: a tiny fixture workspace (tests/editors/llm_env.py points the server at the fake LLM).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.sample_code import CALC, GEOMETRY


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """Two small Python files under a `.git` marker (the workspace root for the editors)."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "calc.py").write_text(CALC)
    (root / "geometry.py").write_text(GEOMETRY)
    return root
