"""The MCP latency benchmark: its percentile, and one short real run (index, `auro-pai mcp`
over stdio, `auro-pai serve` with REST and `/mcp`) on a two-file workspace."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import mcp_latency
from tests.support.sample_code import CALC, GEOMETRY


def test_percentile_is_nearest_rank():
    samples = [float(n) for n in range(1, 21)]  # 1..20
    assert mcp_latency.percentile(samples, 50) == 10
    assert mcp_latency.percentile(samples, 95) == 19
    assert mcp_latency.percentile(samples, 100) == 20
    assert mcp_latency.percentile([7.0], 95) == 7


def test_one_short_run_reports_every_transport(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "calc.py").write_text(CALC)
    (workspace / "geometry.py").write_text(GEOMETRY)
    monkeypatch.setattr(mcp_latency, "QUERIES", ["divide by zero", "area of a circle"])
    monkeypatch.setattr(mcp_latency, "WARMUP", 1)
    report = mcp_latency.run(workspace, rounds=1)
    results = report["results"]
    assert set(results) == {
        "MCP stdio, own index",
        "REST /api/v1/rag/search",
        "MCP HTTP /mcp",
        "MCP stdio via server",
    }
    for figures in results.values():
        assert figures["n"] == 2
        assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["max_ms"]
    assert "p95 ms" in mcp_latency.table(results)
