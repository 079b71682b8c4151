"""Search latency at stdlib scale, in-process: query embedding, both retrievers, definition
lookup, reranking, priors and result shaping, as `Services.search` runs them.

Uses the stdlib task of bench.retrieval (its index is reused when present; built by the CLI
when not), or any indexed tree (`--root`, with `--questions` a .jsonl or JSON list of objects
with a "query"). Queries: those natural-language questions plus identifier queries made from
symbol names of the index, so both query shapes are timed. Prints p50/p95 per shape and
overall as one JSON line.

    python -m bench.search_latency [--task DIR] [--root DIR --questions FILE]
                                   [--data-dir DIR] [--queries 200] [-k 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path

from bench.retrieval import REPO, build_task, index_corpus
from server.cli.headless import headless
from server.config import load_settings
from server.paths import workspace_data_path

WARMUP = 5


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def timed(corpus: Path, queries: dict[str, list[str]], k: int) -> dict[str, list[float]]:
    settings, _ = load_settings()
    async with headless(settings, corpus) as opened:
        await opened.workspace.index.wait_until_complete()
        # the in-memory keyword ranking is built at open (a few seconds at stdlib scale)
        await asyncio.to_thread(opened.workspace.index.catalog.keywords.wait_fresh, 120)
        for query in queries["question"][:WARMUP]:
            await opened.services.search(query, k)
        out: dict[str, list[float]] = {}
        for kind, texts in queries.items():
            out[kind] = []
            for query in texts:
                started = time.perf_counter()
                await opened.services.search(query, k)
                out[kind].append(1000 * (time.perf_counter() - started))
        return out


def symbol_queries(corpus_index: Path, count: int) -> list[str]:
    """Names of indexed definitions, as a developer would type them."""
    db = sqlite3.connect(corpus_index)
    try:
        names = [
            row[0].rsplit(".", 1)[-1]
            for row in db.execute(
                "SELECT DISTINCT symbol FROM chunks WHERE symbol != '' AND kind IN"
                " ('class', 'class_header', 'function', 'method')"
            )
        ]
    finally:
        db.close()
    random.Random(0).shuffle(names)
    return names[:count]


def load_questions(path: Path) -> list[str]:
    text = path.read_text()
    if path.suffix == ".jsonl":
        return [json.loads(line)["query"] for line in text.splitlines() if line.strip()]
    return [item["query"] for item in json.loads(text)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default=str(REPO / "bench" / "results" / "stdlib-task"))
    parser.add_argument("--data-dir", default=str(REPO / "bench" / "results" / "data"))
    parser.add_argument("--src", default=None, help="source tree when the task is not built")
    parser.add_argument("--root", default=None, help="an indexed tree instead of the task")
    parser.add_argument("--questions", default=None, help="queries for --root")
    parser.add_argument("--queries", type=int, default=200, help="of each shape")
    parser.add_argument("-k", type=int, default=10)
    args = parser.parse_args()

    task = Path(args.task)
    if args.src:
        build_task(Path(args.src), task, 500)
    root = Path(args.root) if args.root else task / "corpus"
    env = {**os.environ, "AURO_DATA_DIR": args.data_dir, "AURO_WATCH_FILES": "false"}
    os.environ.update(AURO_DATA_DIR=args.data_dir, AURO_WATCH_FILES="false")
    status = index_corpus(root, env)
    print(json.dumps({"index": status}), flush=True)
    questions = load_questions(Path(args.questions or task / "queries.jsonl"))
    settings, _ = load_settings()
    index = workspace_data_path(settings, root) / "index.sqlite3"
    queries = {
        "question": questions[: args.queries],
        "identifier": symbol_queries(index, args.queries),
    }
    times = asyncio.run(timed(root, queries, args.k))
    every = [t for values in times.values() for t in values]
    result = {
        "bench": "search_latency",
        "chunks": status.get("chunks"),
        **{
            f"{kind}_ms": {
                "n": len(values),
                "p50": round(statistics.median(values), 1),
                "p95": round(percentile(values, 0.95), 1),
            }
            for kind, values in {**times, "all": every}.items()
        },
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
