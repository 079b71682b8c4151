"""Run the full reliability suite and print its figures: `python -m bench.reliability`.

Runs `pytest tests/reliability` with AURO_LONG=1 (the full versions: ~2,500 fuzzed
messages, 20 kill -9 rounds, 5,000-event watcher storm, 2,000-request sidecar load, the
LLM fault matrix, hostile index inputs, 26 exits at random moments), collects each test's
FIGURES line and prints them with the machine they ran on. `--smoke` runs the CI smoke
versions instead. `-k exit` runs only the exit tests and ends with the exit latency
percentiles (docs/reliability.md, section 7).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def machine() -> dict[str, str]:
    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {
        "nproc": str(os.cpu_count()),
        "ram": mem,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reliability")
    parser.add_argument("--smoke", action="store_true", help="the CI smoke versions only")
    parser.add_argument("-k", help="pytest -k expression, to run part of the suite")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as out:
        env = {**os.environ, "AURO_RELIABILITY_RESULTS": out}
        command = [
            sys.executable,
            "-m",
            "pytest",
            "tests/reliability",
            "-q",
            "-p",
            "no:cacheprovider",
        ]
        if args.smoke:
            env.pop("AURO_LONG", None)
        else:
            env["AURO_LONG"] = "1"
            command += ["-m", "long or not long"]
        if args.k:
            command += ["-k", args.k]
        print(f"machine: {json.dumps(machine())}")
        print(
            f"command: {'AURO_LONG=1 ' if not args.smoke else ''}{' '.join(command[1:])}",
            flush=True,
        )
        code = subprocess.call(command, cwd=ROOT, env=env)
        figures = Path(out) / "figures.jsonl"
        lines = figures.read_text().splitlines() if figures.exists() else []
    for line in lines:
        print(line)
    for figures in map(json.loads, lines):
        if figures.get("name") == "exit_latency":
            print(
                f"exit latency over {figures['runs']} runs: p50 {figures['p50_s']} s, "
                f"p95 {figures['p95_s']} s, max {figures['max_s']} s"
            )
    return code


if __name__ == "__main__":
    sys.exit(main())
