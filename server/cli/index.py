"""`auro-pai index`: build or refresh the persistent index of a root and wait for it.

It opens the same index (same data folder) that `serve` and the language server use.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from server.cli.context import tool_settings
from server.cli.errors import existing_dir
from server.config import Settings
from server.indexing.progress import ProgressEvent

if TYPE_CHECKING:
    from server.indexing.multi_root import Workspace


def _print_progress(event: ProgressEvent) -> None:
    sys.stderr.write(f"\r{event.phase}: {event.files_done}/{event.files_total} files  ")
    if event.kind == "end":
        sys.stderr.write("\n")
    sys.stderr.flush()


async def index(settings: Settings, root: Path, as_json: bool) -> int:
    """Index `root` and block until every file is keyword-indexed and embedded.

    Exit status 1 when the index could not be opened, a pass failed or it is incomplete;
    skipped files (named in the warnings) do not count as failures."""
    from server.cli.headless import OpenFailed, headless  # the LLM layer is slow to import

    started = time.perf_counter()
    try:
        async with headless(settings, root) as opened:
            return await wait_and_report(opened.workspace, started, as_json)
    except OpenFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


async def wait_and_report(workspace: Workspace, started: float, as_json: bool) -> int:
    if not as_json:
        workspace.index.add_progress_listener(_print_progress)
    status = await workspace.index.wait_until_complete()
    failure = workspace.index.failure
    seconds = time.perf_counter() - started
    if as_json:
        print(
            json.dumps(
                {
                    "root": str(workspace.root),
                    "seconds": round(seconds, 2),
                    "error": failure or None,
                    **status.to_json(),
                }
            )
        )
    else:
        print(
            f"indexed {status.files_total} files, {status.chunks} chunks "
            f"in {seconds:.1f}s ({workspace.data_dir})"
        )
        for warning in status.warnings:
            if warning != failure:
                print(f"warning: {warning}")
        if failure:
            print(f"error: {failure}", file=sys.stderr)
    return 0 if status.complete and not failure else 1


def run(args: argparse.Namespace) -> int:
    root = existing_dir(args.directory, "folder", "auro-pai index DIR (an existing folder)")
    return asyncio.run(index(tool_settings(args), root, args.json))
