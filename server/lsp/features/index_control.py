"""Index status and control: `auro/indexStatus`, `auro.reindex`, pause and resume."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from server.lsp.server import AuroLanguageServer

INDEX_STATUS = "auro/indexStatus"


def statuses(ls: AuroLanguageServer) -> dict[str, Any]:
    """Per-root status plus totals, so single-root clients can read the top level."""
    roots = [{"root": str(w.root), **w.index.status().to_json()} for w in ls.services.workspaces]
    total = {
        key: sum(r[key] for r in roots)
        for key in ("files_total", "files_keyword_indexed", "files_embedded", "chunks")
    }
    states = {r["state"] for r in roots}
    state = "indexing" if "indexing" in states else "paused" if "paused" in states else "idle"
    return {
        **total,
        "state": state,
        "complete": bool(roots) and all(r["complete"] for r in roots),
        "roots": roots,
    }


def setup(server: AuroLanguageServer) -> None:
    @server.feature(INDEX_STATUS)
    def index_status(ls: AuroLanguageServer, _: Any) -> dict[str, Any]:
        return statuses(ls)

    @server.command("auro.reindex")
    async def reindex(ls: AuroLanguageServer, *_: Any) -> dict[str, Any]:
        for workspace in ls.services.workspaces:
            await workspace.index.reindex()
        return statuses(ls)

    @server.command("auro.pauseIndexing")
    def pause(ls: AuroLanguageServer, *_: Any) -> dict[str, Any]:
        for workspace in ls.services.workspaces:
            workspace.index.pause()
        return statuses(ls)

    @server.command("auro.resumeIndexing")
    def resume(ls: AuroLanguageServer, *_: Any) -> dict[str, Any]:
        for workspace in ls.services.workspaces:
            workspace.index.resume()
        return statuses(ls)
