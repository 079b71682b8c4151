"""The MCP tools over this process's `Services`: the stdio server when no other process holds
the workspace's index, and the sidecar's `/mcp`."""

from __future__ import annotations

import asyncio
from pathlib import Path

from server.chat import ChatRequest
from server.indexing.search import path_filter
from server.mcp.answers import answer_of
from server.mcp.backend import (
    FilePosition,
    FileText,
    Refused,
    TextSink,
)
from server.mcp.catalog_pages import file_page
from server.mcp.files import read_confined
from server.mcp.models import (
    Answer,
    CodeHit,
    FetchedPage,
    IndexedFile,
    ReindexResult,
    SearchCodeResult,
    SymbolHit,
    WebSearchResult,
    WorkspaceStatus,
)
from server.services import Services, Workspace
from server.sessions import SessionLimitReached
from server.tools import ToolError


class LocalBackend:
    def __init__(self, services: Services) -> None:
        self._services = services

    @property
    def roots(self) -> list[Path]:
        return [w.root for w in self._services.workspaces]

    async def search(
        self,
        query: str,
        k: int,
        paths: list[str] | None,
        languages: list[str] | None,
        group: bool,
    ) -> SearchCodeResult:
        try:
            path_filter(paths)
        except ValueError as exc:  # a glob pathspec cannot compile (`!` alone, `\\`)
            raise Refused(f"paths: not a valid gitignore-style glob: {exc}") from None
        outcome = await self._services.search(query, k, paths, languages, group=group)
        return SearchCodeResult(
            results=[CodeHit(**f.result.to_json()) for f in outcome.found],
            complete=outcome.complete,
            warnings=list(outcome.warnings),
        )

    async def read_file(self, path: str) -> FileText:
        return await asyncio.to_thread(read_confined, self._services.workspaces, path)

    async def symbols(self, name: str, limit: int) -> list[SymbolHit]:
        return [
            SymbolHit(
                name=s.name,
                kind=s.kind,
                root=str(w.root),
                path=s.path,
                start_line=s.start_line,
                end_line=s.end_line,
                language=s.language,
            )
            for w, s in await asyncio.to_thread(self._services.symbols, name, limit)
        ]

    async def index_status(self) -> list[WorkspaceStatus]:
        return [
            WorkspaceStatus(root=str(w.root), **w.index.status().to_json())
            for w in self._services.workspaces
        ]

    async def reindex(self) -> ReindexResult:
        workspaces = self._services.workspaces
        for workspace in workspaces:
            await workspace.index.reindex()
        return ReindexResult(
            started=[str(w.root) for w in workspaces], workspaces=await self.index_status()
        )

    async def web_search(self, query: str, max_results: int) -> WebSearchResult:
        try:
            results = await self._services.tools.search(query, max_results)
        except ToolError as exc:
            raise Refused(exc.message) from None
        return WebSearchResult(query=query, results=results)

    async def fetch_url(self, url: str) -> FetchedPage:
        try:
            return await self._services.tools.fetch(url)
        except ToolError as exc:
            raise Refused(exc.message) from None

    async def ask(self, question: str, on_text: TextSink) -> Answer:
        try:
            reply = await self._services.chat.chat(ChatRequest(question), on_text=on_text)
        except SessionLimitReached as exc:
            raise Refused(f"{exc}; try again in a few seconds") from None
        return answer_of(reply.to_json(), self.roots)

    async def files_page(
        self, after: FilePosition | None, limit: int
    ) -> tuple[list[IndexedFile], FilePosition | None]:
        workspaces = self._services.workspaces
        position = after or FilePosition(0, "")
        page: list[IndexedFile] = []
        for index in range(position.root, len(workspaces)):
            workspace = workspaces[index]
            start = position.path if index == position.root else ""
            page += await asyncio.to_thread(_files_of, workspace, start, limit - len(page))
            if len(page) == limit:
                return page, FilePosition(index, page[-1].path)
        return page, None

    async def aclose(self) -> None:
        """The services belong to whoever opened them."""


def _files_of(workspace: Workspace, after: str, limit: int) -> list[IndexedFile]:
    with workspace.index.catalog.db.reading() as db:
        return file_page(db, str(workspace.root), after, limit)
