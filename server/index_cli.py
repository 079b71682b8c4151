"""`auro-pai index` and `auro-pai search`: the persistent index of a root, from a terminal.

They open the same index (same data folder) that `serve` and the language server use.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
import time
from pathlib import Path

from server.cli_output import print_search
from server.config import Settings
from server.indexing.embedder import create_embedder
from server.indexing.indexer import WorkspaceIndex
from server.indexing.progress import ProgressEvent
from server.paths import data_root, workspace_data_dir


def _print_progress(event: ProgressEvent) -> None:
    sys.stderr.write(f"\r{event.phase}: {event.files_done}/{event.files_total} files  ")
    if event.kind == "end":
        sys.stderr.write("\n")
    sys.stderr.flush()


async def index(settings: Settings, root: Path, as_json: bool) -> int:
    """Index `root` and block until every file is keyword-indexed and embedded.

    Exit status 1 when the index could not be opened, a pass failed or it is incomplete;
    skipped files (named in the warnings) do not count as failures."""
    from server.services import Services  # the LLM layer it builds is slow to import

    settings = settings.model_copy(update={"watch_files": False})
    started = time.perf_counter()
    services = Services(settings)
    try:
        try:
            workspace = await services.add_workspace(root)
        except (OSError, ValueError, sqlite3.Error) as exc:
            print(f"error: cannot open the index of {root}: {exc}", file=sys.stderr)
            return 1
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
    finally:
        await services.close()


async def search(settings: Settings, root: Path, query: str, k: int, as_json: bool) -> int:
    """Search what is indexed for `root` now; never waits for embeddings.

    Opens the index alone (no LLM clients, tools or sessions): the quickest start when no
    server is running for `root`.
    """
    settings = settings.model_copy(update={"watch_files": False})
    embedder = create_embedder(settings, cache_dir=data_root(settings) / "models")
    # the model loads (native code, mostly outside the GIL) while the stores open
    loading = asyncio.create_task(asyncio.to_thread(getattr(embedder, "load", lambda: None)))
    index = await WorkspaceIndex.open(root, workspace_data_dir(settings, root), settings, embedder)
    try:
        await loading
        response = await index.search(query, k)
        results = [r.to_json() for r in response.results]
        print_search(results, response.complete, response.warnings, as_json)
        return 0
    finally:
        await index.close()
