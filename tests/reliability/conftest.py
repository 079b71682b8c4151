"""Reliability suite: smoke versions run by default; full versions carry the `long` marker.

Full versions run with `pytest -m long tests/reliability` or `AURO_LONG=1 pytest ...`
(`python -m bench.reliability` does the latter and prints the figures).
"""

from __future__ import annotations

import os

import pytest

_LONG = os.environ.get("AURO_LONG") == "1"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "long: full reliability runs (-m long or AURO_LONG=1)")


def _long_selected(config: pytest.Config) -> bool:
    expr = (config.getoption("markexpr", "") or "").replace(" ", "")
    return _LONG or ("long" in expr and "notlong" not in expr)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _long_selected(config):
        return
    skip = pytest.mark.skip(reason="full version: run with -m long or AURO_LONG=1")
    for item in items:
        if "long" in item.keywords:
            item.add_marker(skip)
