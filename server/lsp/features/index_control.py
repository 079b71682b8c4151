"""Index status and control: `auro/indexStatus`, `auro.reindex`, pause and resume."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from server.lsp import convert

if TYPE_CHECKING:
    from server.lsp.server import AuroLanguageServer

INDEX_STATUS = "auro/indexStatus"


def statuses(ls: AuroLanguageServer) -> dict[str, Any]:
    """Per-root status plus totals (`server.lsp.protocol.IndexStatus`)."""
    return convert.index_status(ls.services.workspaces).wire()


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
