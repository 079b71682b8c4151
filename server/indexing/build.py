"""Build one workspace's index in the foreground: `python -m server.indexing.build ROOT`.

Used by the crash-consistency test (which SIGKILLs it at random moments) and handy for
benchmarking. `--check` opens the stores without recovery and prints the consistency report,
so the state a crash left behind can be inspected as is. Output: one JSON line on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
from pathlib import Path

from server.config import load_settings
from server.indexing.catalog import Catalog
from server.indexing.consistency import consistency_report
from server.indexing.embedder import create_embedder
from server.indexing.indexer import WorkspaceIndex
from server.indexing.progress import ProgressEvent
from server.indexing.vector_store import open_chroma
from server.paths import data_root, restrict_new_files, workspace_data_dir

log = logging.getLogger("server.indexing.build")


def _check(root: Path, data_dir: Path) -> dict[str, object]:
    settings, _ = load_settings()
    catalog = Catalog(data_dir / "index.sqlite3")
    name = (
        catalog.db.get_meta("embedder")
        or create_embedder(settings, cache_dir=data_root(settings) / "models").name
    )
    try:
        store = open_chroma(settings, data_dir, root.resolve(), name)
        return consistency_report(catalog, store).to_json()
    finally:
        catalog.close()


async def _build(root: Path, data_dir: Path, batch_size: int) -> tuple[dict[str, object], bool]:
    settings, _ = load_settings(("build", {"watch_files": False}))
    embedder = create_embedder(settings, cache_dir=data_root(settings) / "models")

    def on_progress(event: ProgressEvent) -> None:
        log.info("progress %s %s", event.kind, event.progress.describe())

    started = time.monotonic()
    index = await WorkspaceIndex.open(
        root, data_dir, settings, embedder, batch_size=batch_size, listeners=[on_progress]
    )
    status = await index.wait_until_complete()
    report = await index.consistency_report()
    await index.close()
    result = {
        "status": status.to_json(),
        "report": report.to_json(),
        "seconds": round(time.monotonic() - started, 2),
    }
    return result, report.ok and status.complete


def main(argv: list[str] | None = None) -> int:
    restrict_new_files()
    parser = argparse.ArgumentParser(prog="python -m server.indexing.build")
    parser.add_argument("root", type=Path)
    parser.add_argument("--data-dir", type=Path, help="default: the workspace's data dir")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--check", action="store_true", help="report only, no recovery")
    parser.add_argument("--log-level", default="INFO", help="for server.indexing loggers")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s"
    )
    logging.getLogger("server.indexing").setLevel(args.log_level.upper())
    data_dir = args.data_dir or workspace_data_dir(load_settings()[0], args.root)
    if args.check:
        result = _check(args.root, data_dir)
        ok = bool(result["ok"])
    else:
        result, ok = asyncio.run(_build(args.root, data_dir, args.batch_size))
    sys.stdout.write(json.dumps(result) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
