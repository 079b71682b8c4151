"""The place-priors setting: its values, its errors, and that settings read it without the
indexing layer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from server.config import load_settings
from server.place_priors import DEFAULT_FACTORS, ROLES, parse_factors

REPO = Path(__file__).resolve().parents[1]


def test_parse_factors() -> None:
    assert parse_factors("default") == DEFAULT_FACTORS
    assert set(parse_factors("off").values()) == {1.0}
    custom = parse_factors("test=0.3, docs=1")
    assert custom["test"] == 0.3 and custom["docs"] == 1.0
    assert custom["example"] == DEFAULT_FACTORS["example"]
    assert set(DEFAULT_FACTORS) == set(ROLES)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("tests=0.5", "path prior 'tests=0.5': expected role=factor with role in ('test', "),
        ("test", "path prior 'test': expected role=factor with role in ('test', "),
        ("test=abc", "path prior 'test=abc': factor is not a number"),
        ("test=0", "path prior 'test=0': factor must be in (0, 1]"),
        ("test=1.5", "path prior 'test=1.5': factor must be in (0, 1]"),
    ],
)
def test_parse_factors_rejects_bad_parts(spec: str, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_factors(spec)
    assert str(raised.value).startswith(message)


def test_a_bad_value_is_refused_at_load_time_with_the_parser_message() -> None:
    settings, warnings = load_settings(env={"AURO_SEARCH_PLACE_PRIORS": "test=2"}, files=[])
    assert settings.search_place_priors == "default"
    assert any("path prior 'test=2': factor must be in (0, 1]" in str(w) for w in warnings)


def test_settings_load_without_the_indexing_layer() -> None:
    """Settings sit below indexing: loading them imports no `server.indexing` module."""
    code = (
        "import sys, server.config\n"
        "print(sorted(m for m in sys.modules if m.startswith('server.indexing')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert out.stdout.strip() == "[]", out.stdout
