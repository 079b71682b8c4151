"""The plain async services behind every front end: LSP, HTTP sidecar and CLI share one
`Services`, the composition root that builds and wires them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from server.config import Settings
from server.health import ComponentHealth, worst
from server.indexing.embedder import Embedder, create_embedder
from server.indexing.indexer import SymbolInfo, WorkspaceIndex
from server.indexing.multi_root import (
    Found as Found,  # re-exported for the LSP layer
    MultiSearch,
    Workspace,
    search_workspaces,
)
from server.indexing.search import Retriever
from server.llm import LLMManager
from server.paths import data_root, workspace_data_dir
from server.sessions import SessionStore
from server.tools import ToolService

if TYPE_CHECKING:
    from server.chat.service import ChatService
    from server.chat.suggestions import SuggestionService
    from server.completion import CompletionService

log = logging.getLogger(__name__)

WorkspaceListener = Callable[["Workspace"], None]


class Services:
    """The composition root: builds the components once, wires them, and owns the roots.

    `open` builds everything from settings (the session store's file, the sweeper task);
    the constructor only wires what it is given, so it needs no running loop and does no
    I/O. Nothing here is ever swapped: a settings change reconfigures each component in
    place, so whoever holds one (the chat service, an HTTP route) keeps a live object.
    Front ends use `chat` and `suggestions`; the rest is for the routes that report on it.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        embedder: Embedder,
        llm: LLMManager,
        tools: ToolService,
        sessions: SessionStore,
    ) -> None:
        self._settings = settings
        self._workspaces: dict[Path, Workspace] = {}
        self.workspace_listeners: list[WorkspaceListener] = []
        self._lock = asyncio.Lock()
        self.embedder = embedder
        self.llm = llm
        self.tools = tools
        self.sessions = sessions
        self._sweeper: asyncio.Task[None] | None = None

    @classmethod
    async def open(
        cls,
        settings: Settings,
        *,
        embedder: Embedder | None = None,
        tools: ToolService | None = None,
    ) -> Services:
        """Everything built from `settings` (or the given parts), and the session sweeper
        running; `close` (or `async with`) ends it all."""
        services = cls(
            settings,
            embedder=embedder
            or create_embedder(settings, cache_dir=data_root(settings) / "models"),
            llm=LLMManager.from_settings(settings),
            tools=tools or ToolService.from_settings(settings),
            sessions=SessionStore.from_settings(settings),
        )
        services._sweeper = asyncio.get_running_loop().create_task(services.sessions.run_sweeper())
        return services

    @cached_property
    def chat(self) -> ChatService:
        """Built on first use, once: `auro-pai index` never loads the chat layer."""
        from server.chat.service import ChatService

        # the open roots (with `search_workspaces` behind `search`) are the `CodeSearch`
        return ChatService(llm=self.llm, sessions=self.sessions, code=self, web=self.tools)

    @cached_property
    def suggestions(self) -> SuggestionService:
        from server.chat.suggestions import SuggestionService

        return SuggestionService(llm=self.llm, code=self)

    @cached_property
    def completion(self) -> CompletionService:
        """Inline completion, built on first use; it searches the open roots."""
        from server.completion import CompletionService

        return CompletionService(
            self._settings,
            lambda query, k, retrievers: self.search(query, k, retrievers=retrievers),
            self.shown_path,
        )

    def shown_path(self, path: str) -> str:
        """A file's name for a model: relative to its workspace root, else the name alone
        (where a user keeps files outside the workspace is not the model's business)."""
        resolved = Path(path).resolve()
        workspace = self.workspace_for(resolved)
        return resolved.relative_to(workspace.root).as_posix() if workspace else resolved.name

    async def __aenter__(self) -> Services:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    @property
    def settings(self) -> Settings:
        return self._settings

    async def update_settings(self, settings: Settings) -> None:
        """Take new settings: LLM providers and tools are reconfigured in place at once.

        Search weights apply at once; chunk size and ignore globs apply to files indexed
        from now on (`auro.reindex` applies them everywhere); the embedding model and the
        vector store change at the next start.
        """
        old, self._settings = self._settings, settings
        if _llm_fields(old) != _llm_fields(settings):
            await self.llm.configure(settings)
        if _tool_fields(old) != _tool_fields(settings):
            await self.tools.configure(settings)
        for workspace in self.workspaces:
            workspace.index.apply_settings(settings)
        if "completion" in self.__dict__:
            self.completion.apply_settings(settings)

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
        group: bool = False,
    ) -> MultiSearch:
        """Hybrid search in each root, merged by fused score; `group`: each file once."""
        targets = self.workspaces if workspaces is None else workspaces
        return await search_workspaces(targets, query, k, paths, languages, retrievers, group)

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
        if self._sweeper is not None:
            self._sweeper.cancel()
        await self.llm.aclose()
        if "completion" in self.__dict__:
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
