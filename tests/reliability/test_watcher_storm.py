"""Watcher storm: thousands of file events in two seconds (a branch switch) with watching on.

The events must arrive as one coalesced batch (or very few), and LSP requests
(`auro/indexStatus`, keyword `auro/search`) keep answering meanwhile: p50/p99 during the
storm vs idle. Smoke: 1,000 events; full (`-m long`): 5,000.
"""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest

from tests.reliability.conftest import record
from tests.reliability.rawlsp import RawServer

BATCH = re.compile(r"change batch of (\d+) paths")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))], 1)


def latencies(srv: RawServer, seconds: float, stop: threading.Event | None = None) -> dict:
    out: dict[str, list[float]] = {"indexStatus": [], "search": []}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not (stop and stop.is_set()):
        for kind, method, params in (
            ("indexStatus", "auro/indexStatus", {}),
            ("search", "auro/search", {"query": "storm_marker handler", "k": 5}),
        ):
            started = time.perf_counter()
            answer = srv.request(method, params, timeout=30)
            assert answer is not None and "result" in answer, (method, answer, srv.stderr_tail())
            out[kind].append((time.perf_counter() - started) * 1000)
        time.sleep(0.02)
    return {
        f"{kind}_{name}_ms": fn(values)
        for kind, values in out.items()
        for name, fn in (("p50", lambda v: pct(v, 50)), ("p99", lambda v: pct(v, 99)))
    } | {"samples": sum(len(v) for v in out.values())}


def storm(root: Path, events: int, seconds: float = 2.0) -> float:
    """Create `events` files (and modify existing ones), spread over `seconds`."""
    started = time.monotonic()
    branch = root / "branch"
    branch.mkdir(exist_ok=True)
    for i in range(events):
        (branch / f"f_{i // 500}_{i}.py").parent.mkdir(exist_ok=True)
        (branch / f"f_{i // 500}_{i}.py").write_text(f"def storm_marker_{i}():\n    return {i}\n")
        if i % 200 == 0:
            ahead = started + seconds * (i / events) - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
    return time.monotonic() - started


def run_storm(tmp_path: Path, events: int, name: str) -> None:
    root = tmp_path / "repo"
    for f in range(100):
        path = root / f"pkg{f % 5}" / f"module_{f}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"def handler_{f}(request):\n    return request.reply({f})\n")
    srv = RawServer(
        tmp_path / "data", AURO_WATCH_FILES="true", AURO_INDEX_DEBOUNCE_MS="300", LOG_LEVEL="DEBUG"
    )
    try:
        assert "result" in (srv.initialize(root) or {}), srv.stderr_tail()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            status = srv.request("auro/indexStatus", {})["result"]
            if status["filesTotal"] >= 100 and status["filesKeywordIndexed"] >= 100:
                break
            time.sleep(0.3)
        srv.request("auro/search", {"query": "warm up", "k": 1}, timeout=120)  # loads the model
        idle = latencies(srv, 4.0)
        before = len(BATCH.findall(srv.stderr_tail(10**9)))
        writer_seconds: list[float] = []
        writer = threading.Thread(target=lambda: writer_seconds.append(storm(root, events)))
        writer.start()
        during = latencies(srv, 6.0)
        writer.join(60)
        # wait until every storm file is keyword-indexed
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            status = srv.request("auro/indexStatus", {})["result"]
            if status["filesKeywordIndexed"] >= 100 + events:
                break
            time.sleep(0.5)
        batches = [int(n) for n in BATCH.findall(srv.stderr_tail(10**9))][before:]
        record(
            name,
            {
                "events": events,
                "storm_seconds": round(writer_seconds[0], 2),
                "batches": len(batches),
                "batch_sizes": batches[:10],
                "files_keyword_indexed": status["filesKeywordIndexed"],
                "idle": idle,
                "during_storm": during,
            },
        )
        assert status["filesKeywordIndexed"] >= 100 + events, status
        assert 1 <= len(batches) <= 5, batches
        assert during["indexStatus_p99_ms"] < 1000 and during["search_p99_ms"] < 3000, during
    finally:
        srv.close()


def test_watcher_storm_smoke(tmp_path: Path) -> None:
    run_storm(tmp_path, 1000, "watcher_storm_smoke")


@pytest.mark.long
@pytest.mark.timeout(900)
def test_watcher_storm_full(tmp_path: Path) -> None:
    run_storm(tmp_path, 5000, "watcher_storm_full")
