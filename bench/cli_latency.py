"""`auro-pai search` wall time, with and without a running server:
`python -m bench.cli_latency --workspace DIR [--runs 5]`.

Indexes DIR into a fresh data dir (not timed), times `auro-pai search` as a new process
`--runs` times with no server, then starts `auro-pai serve` for DIR and times the same
searches again (the CLI finds the server through its address file). Prints one JSON line
with the medians and the maxima. Targets (issue 16): < 0.5 s with a server, < 2 s without.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUERIES = ["parse arguments", "retry the request", "read the config file"]
CLI = [sys.executable, "-m", "server.cli"]


def environment(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AURO_", "CHROMADB_"))}
    env.update(
        AURO_DATA_DIR=str(data_dir),
        XDG_CONFIG_HOME=str(data_dir / "xdg-config"),
        AURO_WATCH_FILES="false",
        LOG_LEVEL="WARNING",
    )
    return env


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_searches(
    workspace: Path, env: dict[str, str], runs: int
) -> tuple[list[float], list[float]]:
    """Wall seconds and CPU seconds (user + sys) of each `auro-pai search` process."""
    seconds, cpu = [], []
    for i in range(runs):
        query = QUERIES[i % len(QUERIES)]
        cpu_before = child_cpu()
        started = time.perf_counter()
        subprocess.run(
            [*CLI, "search", query, "--workspace", str(workspace)],
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
        seconds.append(time.perf_counter() - started)
        cpu.append(child_cpu() - cpu_before)
    return seconds, cpu


def summary(timings: tuple[list[float], list[float]]) -> dict[str, float]:
    """Medians and the slowest run; CPU time shows the work when the machine is shared."""
    seconds, cpu = timings
    return {
        "median_s": round(statistics.median(seconds), 3),
        "max_s": round(max(seconds), 3),
        "median_cpu_s": round(statistics.median(cpu), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    workspace = args.workspace.resolve()
    with tempfile.TemporaryDirectory(prefix="auro-bench-cli-") as tmp:
        env = environment(Path(tmp))
        subprocess.run([*CLI, "index", str(workspace)], env=env, check=True, capture_output=True)
        without = timed_searches(workspace, env, args.runs)
        server = subprocess.Popen(
            [*CLI, "serve", "--workspace", str(workspace), "--port", "0"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            if "serving" not in server.stdout.readline():
                raise SystemExit("serve did not start")
            with_server = timed_searches(workspace, env, args.runs)
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=60)
    print(
        json.dumps(
            {
                "workspace": str(workspace),
                "runs": args.runs,
                "load_average_1m": round(os.getloadavg()[0], 2),
                "with_server": summary(with_server),
                "without_server": summary(without),
            }
        )
    )


if __name__ == "__main__":
    main()
