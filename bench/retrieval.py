"""Retrieval quality of the project's search on a CodeSearchNet-style task from real code.

Builds the task with ../shared/eval/make_corpus.py (the interpreter's stdlib by default),
indexes the corpus with `auro-pai index` (the real CLI, timed), then runs every query
through the same search the CLI and servers use: hybrid, dense-only and keyword-only
halves of one index, scored with ../shared/eval/scoring.py. Prints one JSON line per mode.

    python -m bench.retrieval [--src DIR] [--task DIR] [--queries 500] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

from server.cli.headless import headless
from server.config import load_settings

REPO = Path(__file__).resolve().parents[1]
EVAL = REPO.parent / "shared" / "eval"
MODES = {"hybrid": ("dense", "keyword"), "dense": ("dense",), "keyword": ("keyword",)}


def load_scoring():
    """../shared/eval/scoring.py as a module (is_hit, score_run)."""
    spec = importlib.util.spec_from_file_location("scoring", EVAL / "scoring.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_task(src: Path, task: Path, queries: int) -> None:
    if (task / "queries.jsonl").exists():
        return
    subprocess.run(
        [
            sys.executable,
            str(EVAL / "make_corpus.py"),
            str(src),
            str(task),
            "--queries",
            str(queries),
        ],
        check=True,
    )


def index_corpus(corpus: Path, env: dict[str, str]) -> dict:
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "server.cli", "index", str(corpus), "--json"],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    status = json.loads(out.stdout.strip().splitlines()[-1])
    status["wall_s"] = round(time.perf_counter() - started, 1)
    return status


async def run_queries(corpus: Path, queries: list[dict], k: int) -> dict[str, list[list[dict]]]:
    settings, _ = load_settings()
    async with headless(settings, corpus) as opened:
        workspace = opened.workspace
        await workspace.index.wait_until_complete()
        ranked: dict[str, list[list[dict]]] = {}
        for mode, retrievers in MODES.items():
            ranked[mode] = []
            for q in queries:
                outcome = await opened.services.search(q["query"], k, retrievers=retrievers)
                ranked[mode].append(
                    [
                        {
                            "path": f.result.path,
                            "start": f.result.start_line,
                            "end": f.result.end_line,
                        }
                        for f in outcome.found
                    ]
                )
        return ranked


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", default=sysconfig.get_paths()["stdlib"])
    parser.add_argument("--task", default=str(REPO / "bench" / "results" / "stdlib-task"))
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--data-dir", default=str(REPO / "bench" / "results" / "data"))
    parser.add_argument("-k", type=int, default=10)
    args = parser.parse_args()

    task = Path(args.task)
    build_task(Path(args.src), task, args.queries)
    queries = [json.loads(line) for line in open(task / "queries.jsonl")]
    env = {**os.environ, "AURO_DATA_DIR": args.data_dir, "AURO_WATCH_FILES": "false"}
    os.environ.update(AURO_DATA_DIR=args.data_dir, AURO_WATCH_FILES="false")
    status = index_corpus(task / "corpus", env)
    print(json.dumps({"index": status}), flush=True)

    score_run = load_scoring().score_run
    started = time.perf_counter()
    ranked = asyncio.run(run_queries(task / "corpus", queries, args.k))
    per_query_ms = 1000 * (time.perf_counter() - started) / (len(queries) * len(MODES))
    for mode, results in ranked.items():
        print(json.dumps({"mode": mode, **score_run(queries, results)}), flush=True)
    print(json.dumps({"search_ms_per_query_avg": round(per_query_ms, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
