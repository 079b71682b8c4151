"""`auro-pai search`: hybrid search of an indexed root, through a running server when there
is one (it has the model loaded), else in this process over the same index."""

from __future__ import annotations

import argparse
import asyncio
import logging
from functools import partial
from pathlib import Path

from server.cli.context import indexed_data_dir, tool_settings
from server.cli.errors import CliError, existing_dir
from server.cli.output import print_search
from server.cli.remote import find_server, remote_search
from server.config import Settings
from server.paths import data_root, workspace_data_dir, workspace_data_path

log = logging.getLogger(__name__)


CHECK_WAIT_S = 10.0  # a stat walk of the tree: well under a second for most repositories


async def search(
    settings: Settings, root: Path, query: str, k: int, as_json: bool, group: bool = False
) -> int:
    """Search what is indexed for `root` now; never waits for embeddings.

    It waits (up to CHECK_WAIT_S, alongside the model's load) for the start-up re-check, so
    that a file changed since the last run is searched as it is now; what is still not
    embedded (or not re-checked when the wait ran out) is reported as incomplete.

    Opens the index alone (no LLM clients, tools or sessions): the quickest start when no
    server is running for `root`.
    """
    from server.indexing.embedder import create_embedder  # slow imports, not needed remotely
    from server.indexing.index_lock import IndexInUse
    from server.indexing.indexer import WorkspaceIndex

    settings = settings.model_copy(update={"watch_files": False})
    embedder = create_embedder(settings, cache_dir=data_root(settings) / "models")
    # the model loads (native code, mostly outside the GIL) while the stores open
    loading = asyncio.create_task(asyncio.to_thread(getattr(embedder, "load", lambda: None)))
    try:
        index = await WorkspaceIndex.open(
            root, workspace_data_dir(settings, root), settings, embedder
        )
    except IndexInUse as exc:
        loading.cancel()  # the thread finishes loading; nobody waits for it
        raise CliError(f"cannot search {root}: {exc}") from None
    try:
        await index.wait_until_checked(CHECK_WAIT_S)
        await loading
        response = await index.search(query, k, group=group)
        results = [r.to_json() for r in response.results]
        print_search(results, response.complete, response.warnings, as_json)
        return 0
    finally:
        await index.close()


def run(args: argparse.Namespace) -> int:
    root = existing_dir(args.workspace, "--workspace", "auro-pai search QUERY --workspace DIR")
    settings = tool_settings(args)
    server = find_server(root, settings.http_token, partial(workspace_data_path, settings))
    if server is not None:
        log.debug("searching through the server at %s", server.url)
        outcome = remote_search(server, args.query, args.k, args.by_file)
        print_search(outcome["results"], outcome["complete"], outcome["warnings"], args.json)
        return 0
    indexed_data_dir(settings, root)  # a CliError when it was never indexed
    return asyncio.run(search(settings, root, args.query, args.k, args.json, args.by_file))
