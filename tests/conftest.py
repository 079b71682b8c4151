"""Fixtures every test package may use: the fake LLM servers and a tiny Python workspace.

Helpers (environments, clients, harnesses) live in plain modules such as tests/support/;
conftest files hold only fixtures and pytest hooks (tests/test_layout.py checks this).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.fixtures import fake_gemini, fake_openai, fake_openai_2  # noqa: F401
from tests.support.sample_code import CALC, GEOMETRY


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Two small Python files and an empty tests/ folder."""
    root = tmp_path / "repo"
    (root / "tests").mkdir(parents=True)
    (root / "calc.py").write_text(CALC)
    (root / "geometry.py").write_text(GEOMETRY)
    return root
