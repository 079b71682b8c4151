"""Bounded load on the REST sidecar (loopback): search + health at a fixed concurrency,
zero errors. Smoke: 300 requests at concurrency 8; full: 2,000 at 16 (30 s cap).
The rate limit is raised for the run (AURO_HTTP_RATE_LIMIT=100000), see bench/load_sidecar.py.
"""

from __future__ import annotations

import argparse

import pytest

from bench.load_sidecar import main_async
from tests.reliability.figures import record


async def load(requests: int, concurrency: int, name: str) -> None:
    args = argparse.Namespace(
        workspace=None, requests=requests, concurrency=concurrency, max_seconds=30.0
    )
    result = await main_async(args)
    record(name, result)
    assert result["errors"] == 0, result
    assert result["ok"] == requests, result


async def test_sidecar_load_smoke() -> None:
    await load(300, 8, "sidecar_load_smoke")


@pytest.mark.long
async def test_sidecar_load_full() -> None:
    await load(2000, 16, "sidecar_load_full")
