"""A workspace with code the index can find, a credential file and a file holding a key."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.completion.secret_values import AWS_KEY, ENV_SECRET
from tests.support.sample_code import CALC, GEOMETRY


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "calc.py").write_text(CALC)
    (root / "geometry.py").write_text(GEOMETRY)
    (root / "deploy.env").write_text(f"CIRCLE_AREA_PASSWORD={ENV_SECRET}\n")
    (root / "cloud.py").write_text(f'def circle_area_upload(radius):\n    key = "{AWS_KEY}"\n')
    return root
