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
from typing import TYPE_CHECKING, Any

from server.cli.context import tool_settings
from server.cli.errors import existing_dir
from server.cli.progress_view import ProgressView, progress_view
from server.config import Settings

SKIPPED_SHOWN = 20

if TYPE_CHECKING:
    from server.indexing.multi_root import Workspace


async def index(settings: Settings, root: Path, as_json: bool) -> int:
    """Index `root` and block until every file is keyword-indexed and embedded, showing
    the progress on stderr.

    Exit status 1 when the index could not be opened, a pass failed or it is incomplete;
    skipped files (counted, and listed by --json) do not count as failures."""
    started = time.perf_counter()
    with progress_view(f"opening the index of {root.name}") as view:
        from server.cli.headless import OpenFailed, headless  # slow to import: after the view

        try:
            async with headless(settings, root) as opened:
                status_code, document = await wait(opened.workspace, started, view)
        except OpenFailed as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    if as_json:
        sys.stdout.write(json.dumps(document) + "\n")
    else:
        report(document)
    return status_code


async def wait(
    workspace: Workspace, started: float, view: ProgressView
) -> tuple[int, dict[str, Any]]:
    """Until the index settles; the exit status and what --json prints."""
    workspace.index.add_progress_listener(view.show)
    status = await workspace.index.wait_until_complete()
    failure = workspace.index.failure
    document = {
        "root": str(workspace.root),
        "data_dir": str(workspace.data_dir),
        "seconds": round(time.perf_counter() - started, 2),
        "error": failure or None,
        **status.to_json(),
    }
    return (0 if status.complete and not failure else 1), document


def report(document: dict[str, Any]) -> None:
    """The summary a person reads: counts, skipped files by reason, warnings, the error."""
    print(
        f"indexed {document['files_total']} files, {document['chunks']} chunks "
        f"in {document['seconds']:.1f}s ({document['data_dir']})"
    )
    skipped = document["skipped"]
    if skipped["count"]:
        reasons = ", ".join(f"{n} {why}" for why, n in sorted(skipped["by_reason"].items()))
        print(f"skipped {skipped['count']} (files or folders): {reasons}")
        for item in skipped["files"][:SKIPPED_SHOWN]:
            detail = f": {item['detail']}" if item["detail"] else ""
            print(f"  {item['path']}  {item['reason']}{detail}")
        if skipped["count"] > SKIPPED_SHOWN:
            print(f"  ... and {skipped['count'] - SKIPPED_SHOWN} more (--json lists them)")
    failure = document["error"]
    for warning in document["warnings"]:
        if warning != failure:
            print(f"warning: {warning}")
    if failure:
        print(f"error: {failure}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    root = existing_dir(args.directory, "folder", "auro-pai index DIR (an existing folder)")
    return asyncio.run(index(tool_settings(args), root, args.json))
