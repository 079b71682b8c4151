"""Crash consistency: SIGKILL a real indexing process at random moments, many times.

After every kill the on-disk state must already satisfy the invariants (intents aside),
and a final run must complete with a clean report. AURO_CRASH_ITERATIONS sets the kill count.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.indexing.crash_tree import make_tree, mutate

ITERATIONS = int(os.environ.get("AURO_CRASH_ITERATIONS", "8"))
BUILD = [sys.executable, "-m", "server.indexing.build"]
ROOT_DIR = Path(__file__).resolve().parents[2]


class Run:
    """One `python -m server.indexing.build` process with its stderr drained to a list."""

    def __init__(self, root: Path, data: Path, *extra: str) -> None:
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [*BUILD, str(root), "--data-dir", str(data), "--batch-size", "8", *extra]
            + ["--log-level", "DEBUG"],
            cwd=ROOT_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False", "AURO_WATCH_FILES": "false"},
        )
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)

    def lines_with(self, text: str) -> int:
        return sum(text in line for line in self.lines)

    def result(self, timeout: float) -> dict:
        out, _ = self.proc.communicate(timeout=timeout)
        self._reader.join(timeout=5)
        assert out.strip(), "".join(self.lines[-30:])
        return json.loads(out.strip().splitlines()[-1])


def wait_for(run: Run, text: str, count: int) -> None:
    deadline = time.monotonic() + 60
    while run.lines_with(text) < count and run.proc.poll() is None:
        if time.monotonic() > deadline:
            return
        time.sleep(0.001)


def kill_at_random(run: Run, rng: random.Random) -> str:
    """Anywhere (a random delay), mid-embedding, or right inside a vector write."""
    mode = rng.choice(["delay", "embedding", "write", "write"])
    if mode == "delay":
        delay = rng.uniform(0.5, 7.0)
        deadline = time.monotonic() + delay
        while time.monotonic() < deadline and run.proc.poll() is None:
            time.sleep(0.01)
        moment = f"{delay:.2f}s after launch"
    elif mode == "embedding":
        reports = rng.randint(1, 4)
        wait_for(run, "progress report embedding", reports)
        time.sleep(rng.uniform(0, 0.3))
        moment = f"during embedding, after {reports} progress reports"
    else:
        writes = rng.randint(1, 6)
        wait_for(run, "writing", writes)
        time.sleep(rng.uniform(0, 0.01))
        moment = f"inside vector write {writes}"
    if run.proc.poll() is None:
        run.proc.send_signal(signal.SIGKILL)
    run.proc.wait(timeout=30)
    return moment


@pytest.mark.timeout(900)
def test_index_survives_sigkill_at_random_points(tmp_path: Path) -> None:
    seed = int(os.environ.get("AURO_CRASH_SEED", time.time_ns() % 100_000))
    rng = random.Random(seed)
    root, data = tmp_path / "repo", tmp_path / "data"
    make_tree(root)
    for step in range(ITERATIONS):
        moment = kill_at_random(Run(root, data), rng)
        report = Run(root, data, "--check").result(timeout=120)
        assert report["ok"], f"seed {seed}, kill {step} {moment}: {report['problems']}"
        mutate(root, rng, step)
    final = Run(root, data)
    result = final.result(timeout=300)
    assert final.proc.returncode == 0, "".join(final.lines[-30:])
    assert result["report"]["ok"] and result["status"]["complete"], result
    assert result["report"]["pending_intents"] == 0
    assert result["status"]["files_total"] == len(list(root.rglob("*.py")))
    assert result["report"]["vectors"] == result["status"]["chunks"]
