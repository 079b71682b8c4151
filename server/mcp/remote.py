"""The MCP tools over the REST API of the server that already holds the workspace's index
(a language server's sidecar or `serve`), so an agent and an editor share one index and one
writer. Definitions and the file list are read from the catalog read-only: REST has no
route for them, and a WAL reader never disturbs the writer.

Found and verified by `server.cli.remote.find_server`; the token goes only to that server on
this machine (no proxies). That server may serve other roots too, or hold this workspace as
a folder inside one of its roots (`holder`): every request names the holder, and results,
paths and files are restricted to the workspace and given relative to it."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

from server.cli.remote import results_within, scoped_globs
from server.mcp.answers import answer_of
from server.mcp.backend import (
    FilePosition,
    FileText,
    Refused,
    TextSink,
    path_of,
    refuse_hard_link,
)
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
    def __init__(
        self, url: str, token: str | None, root: Path, data_dir: Path, holder: Path | None = None
    ) -> None:
        """`data_dir` is the holder's folder in the data dir (its catalog)."""
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._url = url.rstrip("/")
        self._http = aiohttp.ClientSession(headers=headers, trust_env=False, timeout=TIMEOUT)
        self._root = root
        self._holder = holder or root
        within = root.relative_to(self._holder).as_posix()
        self._within = "" if within == "." else within
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
        body = {
            "query": query,
            "k": k,
            "paths": scoped_globs(self._within, paths),
            "languages": languages,
            "group": group,
            "root": str(self._holder),
        }
        found = await self._call("POST", "/api/v1/rag/search", json=body)
        found["results"] = results_within(self._within, found["results"])
        return SearchCodeResult.model_validate(found)

    async def read_file(self, path: str) -> FileText:
        """Asked by absolute path inside this workspace, so the server can neither pick a
        file of another root nor one outside it; the server applies the index's rules."""
        name = await asyncio.to_thread(self._confined, path)
        found = await self._call("GET", "/api/v1/files", params={"path": str(name)})
        served = Path(found["root"]) / found["path"]
        if Path(found["root"]) != self._holder or not served.is_relative_to(self._root):
            raise Refused(f"{path} is not inside the workspace root ({self._root})")
        try:  # the server checks names; a key inside an ordinary file is refused here too
            refuse_secret(served, self._root, found["text"])
        except PathRefused as exc:
            raise Refused(str(exc)) from None
        rel = served.relative_to(self._root).as_posix()
        return FileText(str(self._root), rel, found["language"], found["text"])

    def _confined(self, raw: str) -> Path:
        """`raw` as an absolute path inside the workspace, by its name and by what it
        resolves to (a symlink to elsewhere in the holder's root stays refused)."""
        given = Path(path_of(raw)).expanduser()
        name = Path(os.path.normpath(given if given.is_absolute() else self._root / given))
        if not name.is_relative_to(self._root):
            raise Refused(f"{raw} is not inside a workspace root ({self._root})")
        try:
            real = name.resolve()
        except (OSError, RuntimeError, ValueError) as exc:
            raise Refused(f"cannot read {raw}: {exc}") from None
        if not real.is_relative_to(self._root):
            raise Refused(f"{name.name} resolves outside the workspace root; it is not readable")
        refuse_hard_link(name, raw)
        return name

    def _read(self, read: Any, *args: Any) -> Any:
        with self._catalog_lock:
            if self._catalog is None:
                self._catalog = open_read_only(self._data_dir)
            return read(self._catalog, *args)

    async def symbols(self, name: str, limit: int) -> list[SymbolHit]:
        return await self._read_catalog(symbol_hits, str(self._root), name, limit, self._within)

    async def _read_catalog(self, read: Any, *args: Any) -> Any:
        try:
            return await asyncio.to_thread(self._read, read, *args)
        except sqlite3.Error as exc:
            raise Refused(f"cannot read the index of {self._root}: {exc}") from None

    async def index_status(self) -> list[WorkspaceStatus]:
        """The holder's index (the server's other roots are not this workspace's)."""
        stats = await self._call("GET", "/api/v1/rag/stats")
        holder = str(self._holder)
        mine = [w for w in stats["workspaces"] if w["root"] == holder]
        return [WorkspaceStatus.model_validate(w) for w in mine]

    async def reindex(self) -> ReindexResult:
        body = {"directory_path": str(self._holder)}
        await self._call("POST", "/api/v1/rag/index", json=body)
        return ReindexResult(started=[str(self._holder)], workspaces=await self.index_status())

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
                            return self._confined_answer(answer_of(event, self.roots))
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
        page = await self._read_catalog(file_page, str(self._root), start, limit, self._within)
        return page, (FilePosition(0, page[-1].path) if len(page) == limit else None)

    def _confined_answer(self, answer: Answer) -> Answer:
        """Citations of the server's other roots are left out, and said so."""
        kept = [c for c in answer.citations if c.path is None or not Path(c.path).is_absolute()]
        if len(kept) == len(answer.citations):
            return answer
        left_out = len(answer.citations) - len(kept)
        notice = f"{left_out} citation(s) outside {self._root} left out"
        return answer.model_copy(update={"citations": kept, "notices": [*answer.notices, notice]})

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
