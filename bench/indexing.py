"""Indexing speed figures, printed as JSON lines (targets in docs/benchmarks.md):

- full index of a tree: seconds, chunks/s, and the ratio to embedding the same chunk texts
  directly with the same model (the pipeline's overhead over raw embedding);
- warm restart with nothing changed;
- edit -> searchable latency p50/p95 (save a file, search until the new function is found);
- search latency p50/p95 including query embedding;
- peak RSS.

    python -m bench.indexing [--tree DIR] [--edits 20] [--searches 200]

The default tree is a slice of the stdlib (a few packages), big enough for stable ratios
and small enough to embed in minutes on two cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import shutil
import statistics
import sysconfig
import tempfile
import time
from pathlib import Path

from server.config import load_settings
from server.services import Services

STDLIB = Path(sysconfig.get_paths()["stdlib"])
DEFAULT_PACKAGES = ("json", "email", "http", "logging", "concurrent", "importlib")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def make_tree(dest: Path) -> Path:
    for package in DEFAULT_PACKAGES:
        shutil.copytree(STDLIB / package, dest / package, ignore=shutil.ignore_patterns("test*"))
    return dest


async def open_services(data_dir: Path) -> Services:
    settings, _ = load_settings(
        ("bench", {"AURO_DATA_DIR": str(data_dir), "AURO_WATCH_FILES": "false"})
    )
    return await Services.open(settings)


async def full_index(tree: Path, data_dir: Path) -> dict:
    services = await open_services(data_dir)
    try:
        # load (and for ONNX, export) the model first: both timings below exclude it
        await asyncio.to_thread(services.embedder.embed, ["warm-up"])
        started = time.perf_counter()
        workspace = await services.add_workspace(tree)
        status = await workspace.index.wait_until_complete()
        seconds = time.perf_counter() - started
        with workspace.index.catalog.db.reading() as db:
            texts = [row[0] for row in db.execute("SELECT embed_text FROM chunks")]
        raw_started = time.perf_counter()
        await asyncio.to_thread(services.embedder.embed, texts)
        raw = time.perf_counter() - raw_started
        return {
            "files": status.files_total,
            "chunks": status.chunks,
            "index_s": round(seconds, 2),
            "chunks_per_s": round(status.chunks / seconds, 1),
            "raw_embed_s": round(raw, 2),
            "index_to_raw_ratio": round(seconds / raw, 3),
        }
    finally:
        await services.close()


async def warm_restart(tree: Path, data_dir: Path) -> dict:
    started = time.perf_counter()
    services = await open_services(data_dir)
    try:
        workspace = await services.add_workspace(tree)
        await workspace.index.wait_until_complete()
        return {"warm_restart_s": round(time.perf_counter() - started, 2)}
    finally:
        await services.close()


async def edits_and_searches(tree: Path, data_dir: Path, edits: int, searches: int) -> dict:
    services = await open_services(data_dir)
    try:
        workspace = await services.add_workspace(tree)
        await workspace.index.wait_until_complete()
        target = tree / "bench_edits.py"
        edit_ms = []
        for i in range(edits):
            name = f"reconcile_ledger_entry_{i}"
            target.write_text(f"def {name}(ledger, entry):\n    return ledger.apply(entry)\n")
            started = time.perf_counter()
            workspace.index.notify_changed([target])
            while True:
                found = await workspace.index.search(name, 1, retrievers=("keyword",))
                status = workspace.index.status()
                if found.results and found.results[0].symbol == name and status.complete:
                    break
                await asyncio.sleep(0.01)
            edit_ms.append(1000 * (time.perf_counter() - started))
        queries = [
            f"how does {w} work"
            for w in (
                "parsing",
                "encoding",
                "headers",
                "logging",
                "futures",
                "import",
                "cookies",
                "handlers",
                "decoding",
                "threads",
            )
        ]
        search_ms = []
        for i in range(searches):
            started = time.perf_counter()
            await workspace.index.search(queries[i % len(queries)] + f" {i}", 10)
            search_ms.append(1000 * (time.perf_counter() - started))
        return {
            "edit_to_searchable_ms_p50": round(statistics.median(edit_ms), 1),
            "edit_to_searchable_ms_p95": round(percentile(edit_ms, 0.95), 1),
            "search_ms_p50": round(statistics.median(search_ms), 1),
            "search_ms_p95": round(percentile(search_ms, 0.95), 1),
            "debounce_ms": services.settings.index_debounce_ms,
        }
    finally:
        await services.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", help="folder to index (default: a stdlib slice)")
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--searches", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="auro-bench-") as tmp:
        tmp_path = Path(tmp)
        tree = Path(args.tree).resolve() if args.tree else make_tree(tmp_path / "tree")
        data_dir = tmp_path / "data"
        for step in (
            full_index(tree, data_dir),
            warm_restart(tree, data_dir),
            edits_and_searches(tree, data_dir, args.edits, args.searches),
        ):
            print(json.dumps(asyncio.run(step)), flush=True)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"peak_rss_mb": round(peak_mb, 1)}))


if __name__ == "__main__":
    main()
