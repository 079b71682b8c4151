"""`auro-pai mcp`: the MCP server over stdio, for coding agents.

When a language server or `serve` already holds the workspace's index, the tools go through
its REST API (one index, one writer); otherwise this process opens the index and keeps it
current. stdout carries only MCP JSON-RPC: the SDK points fd 1 at stderr before anything
else starts, and logs go to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

from server.cli.context import command_settings
from server.cli.errors import CliError, existing_dir
from server.cli.remote import RemoteServer, find_server
from server.config import Settings
from server.mcp.backend import McpBackend
from server.paths import workspace_data_path

log = logging.getLogger(__name__)


@asynccontextmanager
async def open_backend(
    settings: Settings, root: Path, remote: RemoteServer | None
) -> AsyncIterator[McpBackend]:
    """The running server's REST API when there is one, else the services in this process."""
    if remote is not None:
        from server.mcp.remote import RemoteBackend

        log.info("MCP tools go through the Auro server at %s", remote.url)
        holder = remote.root or root
        backend = RemoteBackend(
            remote.url, remote.token, root, workspace_data_path(settings, holder), holder
        )
        try:
            yield backend
        finally:
            await backend.aclose()
        return
    from server.cli.headless import OpenFailed, headless
    from server.mcp.local import LocalBackend

    serving = False
    try:
        async with headless(settings, root, watch=True) as opened:
            log.info("MCP tools use the index of %s in this process", root)
            serving = True
            yield LocalBackend(opened.services)
    except OpenFailed as exc:
        raise CliError(f"cannot open the index of {root}: {exc.cause}") from None
    except (OSError, sqlite3.Error) as exc:
        if serving:
            raise
        raise CliError(
            f"cannot open Auro's data folder: {exc}", "set AURO_DATA_DIR to a writable folder"
        ) from None


async def serve(settings: Settings, root: Path, remote: RemoteServer | None) -> int:
    from mcp.server.stdio import stdio_server

    from server.mcp.app import build_mcp_server

    try:
        async with stdio_server() as (read, write):
            async with open_backend(settings, root, remote) as backend:
                await build_mcp_server(backend).run_streams(read, write)
    except BaseExceptionGroup as group:  # stdio_server's task group wraps what failed
        refused, _ = group.split(CliError)
        if refused is None:
            raise
        raise _first(refused) from None
    return 0


def _first(group: BaseExceptionGroup[CliError]) -> CliError:
    """The first CliError in a (possibly nested) group, for the top-level handler to print."""
    leaf = group.exceptions[0]
    return _first(leaf) if isinstance(leaf, BaseExceptionGroup) else leaf


def run(args: argparse.Namespace) -> int:
    root = existing_dir(args.workspace, "--workspace", "auro-pai mcp --workspace DIR")
    settings, _ = command_settings(args, quiet=False)
    try:
        remote = find_server(root, settings.http_token, partial(workspace_data_path, settings))
    except OSError as exc:
        raise CliError(
            f"cannot open Auro's data folder: {exc}", "set AURO_DATA_DIR to a writable folder"
        ) from None
    return asyncio.run(serve(settings, root, remote))
