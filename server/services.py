"""The plain async services behind every front end: LSP, HTTP sidecar and CLI share these."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from server.config import Settings
from server.health import ComponentHealth
from server.paths import workspace_data_dir

log = logging.getLogger(__name__)

SettingsListener = Callable[[Settings, Settings], None]


@dataclass
class Workspace:
    """One workspace root and the folder where its state lives."""

    root: Path
    data_dir: Path


class Services:
    """Owns settings, workspace roots and the components built on them."""

    def __init__(self, settings: Settings):
        self._settings = settings
        self._workspaces: dict[Path, Workspace] = {}
        self._listeners: list[SettingsListener] = []
        self._lock = asyncio.Lock()

    @property
    def settings(self) -> Settings:
        return self._settings

    def on_settings_changed(self, listener: SettingsListener) -> None:
        self._listeners.append(listener)

    def update_settings(self, settings: Settings) -> None:
        old, self._settings = self._settings, settings
        for listener in self._listeners:
            listener(old, settings)

    @property
    def workspaces(self) -> list[Workspace]:
        return list(self._workspaces.values())

    async def add_workspace(self, root: Path) -> Workspace:
        root = root.resolve()
        async with self._lock:
            if root in self._workspaces:
                return self._workspaces[root]
            if not root.is_dir():
                raise ValueError(f"workspace root is not a directory: {root}")
            workspace = Workspace(root, workspace_data_dir(self._settings, root))
            self._workspaces[root] = workspace
            log.info("workspace added: %s (data in %s)", root, workspace.data_dir)
            return workspace

    async def remove_workspace(self, root: Path) -> None:
        async with self._lock:
            if self._workspaces.pop(root.resolve(), None) is not None:
                log.info("workspace removed: %s", root)

    def workspace_for(self, path: Path) -> Workspace | None:
        """The innermost workspace root containing `path`."""
        path = path.resolve()
        best = None
        for workspace in self._workspaces.values():
            if path.is_relative_to(workspace.root) and (
                best is None or len(workspace.root.parts) > len(best.root.parts)
            ):
                best = workspace
        return best

    def ready(self) -> bool:
        return bool(self._workspaces)

    async def health(self) -> dict[str, ComponentHealth]:
        return {}

    async def close(self) -> None:
        for root in list(self._workspaces):
            await self.remove_workspace(root)
