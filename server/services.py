"""The plain async services behind every front end: LSP, HTTP sidecar and CLI share these."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from server.completion import CompletionService
from server.config import Settings
from server.health import ComponentHealth, worst
from server.indexing.embedder import Embedder, create_embedder
from server.indexing.indexer import SymbolInfo, WorkspaceIndex
from server.indexing.multi_root import Found as Found  # re-exported for the LSP layer
from server.indexing.multi_root import MultiSearch, Workspace, search_workspaces
from server.indexing.search import Retriever
from server.llm import LLMManager
from server.paths import data_root, workspace_data_dir
from server.sessions import SessionStore
from server.tools import ToolService

log = logging.getLogger(__name__)

SettingsListener = Callable[[Settings, Settings], None]
WorkspaceListener = Callable[["Workspace"], None]


class Services:
    """Owns settings, workspace roots and the components built on them."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self._settings = settings
        self._workspaces: dict[Path, Workspace] = {}
        self._settings_listeners: list[SettingsListener] = []
        self.workspace_listeners: list[WorkspaceListener] = []
        self._lock = asyncio.Lock()
        self.embedder = embedder or create_embedder(
            settings, cache_dir=data_root(settings) / "models"
        )
        self.llm = LLMManager.from_settings(settings)
        self.tools = ToolService.from_settings(settings)
        self.sessions = SessionStore.from_settings(settings)
        self.completion = CompletionService(
            settings, lambda query, k, retrievers: self.search(query, k, retrievers=retrievers)
        )
        self._sweeper = asyncio.get_running_loop().create_task(self.sessions.run_sweeper())

    @property
    def settings(self) -> Settings:
        return self._settings

    def on_settings_changed(self, listener: SettingsListener) -> None:
        self._settings_listeners.append(listener)

    async def update_settings(self, settings: Settings) -> None:
        """Swap in new settings; LLM providers and tools are rebuilt from them at once.

        Search weights apply at once; chunk size and ignore globs apply to files indexed
        from now on (`auro.reindex` applies them everywhere); the embedding model and the
        vector store change at the next start.
        """
        old, self._settings = self._settings, settings
        if _llm_fields(old) != _llm_fields(settings):
            previous, self.llm = self.llm, LLMManager.from_settings(settings, usage=self.llm.usage)
            await previous.aclose()
        if _tool_fields(old) != _tool_fields(settings):
            previous_tools, self.tools = self.tools, ToolService.from_settings(settings)
            await previous_tools.close()
        for workspace in self.workspaces:
            workspace.index.apply_settings(settings)
        self.completion.apply_settings(settings)
        for listener in self._settings_listeners:
            listener(old, settings)

    @property
    def workspaces(self) -> list[Workspace]:
        return list(self._workspaces.values())

    async def add_workspace(self, root: Path) -> Workspace:
        """Open (or create) the root's index and start keeping it current."""
        root = root.resolve()
        async with self._lock:
            if root in self._workspaces:
                return self._workspaces[root]
            if not root.is_dir():
                raise ValueError(f"workspace root is not a directory: {root}")
            data_dir = workspace_data_dir(self._settings, root)
            index = await WorkspaceIndex.open(root, data_dir, self._settings, self.embedder)
            workspace = Workspace(root, data_dir, index)
            self._workspaces[root] = workspace
            log.info("workspace added: %s (data in %s)", root, data_dir)
        for listener in self.workspace_listeners:
            listener(workspace)
        return workspace

    async def remove_workspace(self, root: Path, *, process_ending: bool = False) -> None:
        async with self._lock:
            workspace = self._workspaces.pop(root.resolve(), None)
        if workspace is not None:
            await workspace.index.close(process_ending=process_ending)
            log.info("workspace removed: %s", root)

    def workspace_for(self, path: Path) -> Workspace | None:
        """The innermost workspace root containing `path`."""
        path = path.resolve()
        inside = [w for w in self._workspaces.values() if path.is_relative_to(w.root)]
        return max(inside, key=lambda w: len(w.root.parts), default=None)

    async def search(
        self,
        query: str,
        k: int = 10,
        paths: list[str] | None = None,
        languages: list[str] | None = None,
        workspaces: list[Workspace] | None = None,
        retrievers: Sequence[Retriever] = ("dense", "keyword"),
    ) -> MultiSearch:
        """Hybrid search in each root, merged by fused score."""
        targets = self.workspaces if workspaces is None else workspaces
        return await search_workspaces(targets, query, k, paths, languages, retrievers)

    def symbols(self, query: str, limit: int = 100) -> list[tuple[Workspace, SymbolInfo]]:
        return [(w, s) for w in self._workspaces.values() for s in w.index.symbols(query, limit)]

    def ready(self) -> bool:
        """Readiness: every workspace's index store is open."""
        return bool(self._workspaces) and all(
            w.index.health()["index"].status != "down" for w in self._workspaces.values()
        )

    async def health(self) -> dict[str, ComponentHealth]:
        per_root = [w.index.health() for w in self._workspaces.values()]
        components: dict[str, ComponentHealth] = {"llm": await self.llm.health()}
        for name in ("index", "vector_store", "embeddings"):
            states = [h[name] for h in per_root]
            components[name] = (
                worst(states) if states else ComponentHealth("unconfigured", "no workspace open")
            )
        components["tools"] = self.tools.health()
        return components

    async def close(self, *, process_ending: bool = False) -> None:
        """Stop all work and close everything.

        `process_ending`: `os._exit` follows at once (the LSP server). Work stops, but a
        model call in progress is not waited for and the SQLite files stay open: closing
        them checkpoints their WAL, disk I/O that the exit would then wait for. Committed
        data is in the WAL already, and the next open replays it."""
        for root in list(self._workspaces):
            await self.remove_workspace(root, process_ending=process_ending)
        self._sweeper.cancel()
        await self.llm.aclose()
        await self.completion.aclose()
        await self.tools.close()
        if not process_ending:
            self.sessions.close()


def _llm_fields(settings: Settings) -> dict:
    return {
        k: v
        for k, v in settings.model_dump().items()
        if k.startswith(("llm", "llamacpp", "openai", "gemini"))
    }


def _tool_fields(settings: Settings) -> dict:
    return {
        k: v
        for k, v in settings.model_dump().items()
        if k.startswith(("fetch", "web_search", "search_fetch"))
    }
