"""The services with one workspace root open, for the commands that work in this process
(`index`, `chat` without a server, `serve`); imported only by them, as it is slow to import."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from server.config import Settings
from server.indexing.multi_root import Workspace
from server.services import Services


class OpenFailed(Exception):
    """The root's index could not be opened; `cause` says why, for the command to report."""

    def __init__(self, root: Path, cause: Exception) -> None:
        super().__init__(f"cannot open the index of {root}: {cause}")
        self.root = root
        self.cause = cause


@dataclass(frozen=True)
class Headless:
    """What a command works with: the services, and the root it asked for."""

    services: Services
    workspace: Workspace


@asynccontextmanager
async def headless(
    settings: Settings, root: Path, *, watch: bool = False
) -> AsyncIterator[Headless]:
    """Open the services, add `root`, and close everything however the block ends.

    One-shot commands do not watch files; `watch` (serve) keeps the root current as
    WATCH_FILES says. `OpenFailed` when the root's index cannot be opened."""
    if not watch:
        settings = settings.model_copy(update={"watch_files": False})
    services = await Services.open(settings)
    try:
        try:
            workspace = await services.add_workspace(root)
        except (OSError, ValueError, sqlite3.Error) as exc:
            raise OpenFailed(root, exc) from exc
        yield Headless(services, workspace)
    finally:
        await services.close()
