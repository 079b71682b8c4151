"""The MCP tools over the REST API of the server that already holds the workspace's index
(a language server's sidecar or `serve`), so an agent and an editor share one index and one
writer. Definitions and the file list are read from the catalog read-only: REST has no
route for them, and a WAL reader never disturbs the writer.

Found and verified by `server.cli.remote.find_server`; the token goes only to that server on
this machine (no proxies)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

from server.mcp.answers import answer_of
from server.mcp.backend import FilePosition, FileText, Refused, TextSink
from server.mcp.catalog_pages import file_page, open_read_only, symbol_hits
from server.mcp.models import (
    Answer,
    FetchedPage,
    IndexedFile,
    ReindexResult,
    SearchCodeResult,
    SymbolHit,
    WebSearchResult,
    WorkspaceStatus,
)
from server.workspace_files import PathRefused, refuse_secret

TIMEOUT = aiohttp.ClientTimeout(total=120, sock_connect=5)
CHAT_TIMEOUT = aiohttp.ClientTimeout(total=None, sock_connect=5)


class RemoteBackend:
    def __init__(self, url: str, token: str | None, root: Path, data_dir: Path) -> None:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._url = url.rstrip("/")
        self._http = aiohttp.ClientSession(headers=headers, trust_env=False, timeout=TIMEOUT)
        self._root = root
        self._data_dir = data_dir
        self._catalog: sqlite3.Connection | None = None
        self._catalog_lock = threading.Lock()  # one connection, worker threads take turns

    @property
    def roots(self) -> list[Path]:
        return [self._root]

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            async with self._http.request(method, self._url + path, **kwargs) as response:
                body = await response.json(content_type=None)
                if response.status >= 400:
                    raise Refused(_error_message(body, response.status))
                return body
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise Refused(f"the Auro server at {self._url} did not answer: {exc}") from None

    async def search(
        self,
        query: str,
        k: int,
        paths: list[str] | None,
        languages: list[str] | None,
        group: bool,
    ) -> SearchCodeResult:
        body = {"query": query, "k": k, "paths": paths, "languages": languages, "group": group}
        return SearchCodeResult.model_validate(
            await self._call("POST", "/api/v1/rag/search", json=body)
        )

    async def read_file(self, path: str) -> FileText:
        found = await self._call("GET", "/api/v1/files", params={"path": path})
        root = Path(found["root"])
        try:  # the server checks names; a key inside an ordinary file is refused here too
            refuse_secret(root / found["path"], root, found["text"])
        except PathRefused as exc:
            raise Refused(str(exc)) from None
        return FileText(found["root"], found["path"], found["language"], found["text"])

    def _read(self, read: Any, *args: Any) -> Any:
        with self._catalog_lock:
            if self._catalog is None:
                self._catalog = open_read_only(self._data_dir)
            return read(self._catalog, *args)

    async def symbols(self, name: str, limit: int) -> list[SymbolHit]:
        return await self._read_catalog(symbol_hits, str(self._root), name, limit)

    async def _read_catalog(self, read: Any, *args: Any) -> Any:
        try:
            return await asyncio.to_thread(self._read, read, *args)
        except sqlite3.Error as exc:
            raise Refused(f"cannot read the index of {self._root}: {exc}") from None

    async def index_status(self) -> list[WorkspaceStatus]:
        stats = await self._call("GET", "/api/v1/rag/stats")
        return [WorkspaceStatus.model_validate(w) for w in stats["workspaces"]]

    async def reindex(self) -> ReindexResult:
        body = {"directory_path": str(self._root)}
        await self._call("POST", "/api/v1/rag/index", json=body)
        return ReindexResult(started=[str(self._root)], workspaces=await self.index_status())

    async def web_search(self, query: str, max_results: int) -> WebSearchResult:
        body = {"query": query, "max_results": max_results}
        return WebSearchResult.model_validate(
            await self._call("POST", "/api/v1/tools/search", json=body)
        )

    async def fetch_url(self, url: str) -> FetchedPage:
        return FetchedPage.model_validate(
            await self._call("POST", "/api/v1/tools/fetch", json={"url": url})
        )

    async def ask(self, question: str, on_text: TextSink) -> Answer:
        """Streamed from REST chat; cancelling closes the connection, and the server closes
        the model's stream when its client goes."""
        body = {"message": question, "include_rag": True, "stream": True}
        try:
            async with self._http.post(
                self._url + "/api/v1/chat", json=body, timeout=CHAT_TIMEOUT
            ) as response:
                if response.status >= 400:
                    raise Refused(_error_message(await response.json(content_type=None), 0))
                try:
                    async for event in _sse_events(response):
                        if "session_id" in event:  # the full reply
                            return answer_of(event, self.roots)
                        if event.get("error"):  # `event: error`: it failed after it started
                            raise Refused(_error_message(event, 0))
                        if "text" in event:
                            await on_text(event["text"])
                except asyncio.CancelledError:
                    response.close()  # do not wait for the rest: the server sees us go
                    raise
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise Refused(f"the Auro server at {self._url} stopped answering: {exc}") from None
        raise Refused(f"the Auro server at {self._url} ended the answer early")

    async def files_page(
        self, after: FilePosition | None, limit: int
    ) -> tuple[list[IndexedFile], FilePosition | None]:
        start = after.path if after is not None else ""
        page = await self._read_catalog(file_page, str(self._root), start, limit)
        return page, (FilePosition(0, page[-1].path) if len(page) == limit else None)

    async def aclose(self) -> None:
        await self._http.close()
        if self._catalog is not None:
            self._catalog.close()


async def _sse_events(response: aiohttp.ClientResponse) -> AsyncIterator[dict[str, Any]]:
    """The `data:` payloads of a Server-Sent Events stream until `[DONE]`."""
    async for raw in response.content:
        line = raw.decode().rstrip("\r\n")
        if not line.startswith("data: "):
            continue
        data = line[len("data: ") :]
        if data == "[DONE]":
            return
        yield json.loads(data)


def _error_message(body: Any, status: int) -> str:
    """The REST error's message ({"error": {"code", "message"}}), else what came back."""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])
    return f"the Auro server answered {status or 'an error'}: {str(body)[:200]}"
