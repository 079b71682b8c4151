"""Code search for the editor: `auro/search`, the `auro.search` command, `workspace/symbol`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pydantic import BaseModel, Field
from pygls.uris import from_fs_path

from server.lsp.params import parse_params, to_plain
from server.services import Found

if TYPE_CHECKING:
    from server.lsp.server import AuroLanguageServer

SEARCH = "auro/search"
SEARCH_COMMAND = "auro.search"

SYMBOL_KINDS = {
    "function": types.SymbolKind.Function,
    "function_part": types.SymbolKind.Function,
    "method": types.SymbolKind.Method,
    "class": types.SymbolKind.Class,
    "class_header": types.SymbolKind.Class,
    "section": types.SymbolKind.String,
}


class SearchParams(BaseModel):
    query: str = Field(min_length=1, max_length=2000)
    k: int = Field(10, ge=1, le=100)
    paths: list[str] | None = None
    languages: list[str] | None = None


def location(found: Found) -> dict[str, Any]:
    r = found.result
    return {
        "uri": from_fs_path(str(found.abs_path)),
        "range": {
            "start": {"line": r.start_line - 1, "character": 0},
            "end": {"line": r.end_line, "character": 0},
        },
    }


async def run_search(ls: AuroLanguageServer, params: SearchParams) -> dict[str, Any]:
    outcome = await ls.services.search(params.query, params.k, params.paths, params.languages)
    return {
        "results": [
            {**f.result.to_json(), "root": str(f.workspace.root), "location": location(f)}
            for f in outcome.found
        ],
        "complete": outcome.complete,
        "warnings": outcome.warnings,
    }


def setup(server: AuroLanguageServer) -> None:
    @server.feature(SEARCH)
    async def search(ls: AuroLanguageServer, params: Any) -> dict[str, Any]:
        return await run_search(ls, parse_params(SearchParams, params, SEARCH))

    @server.command(SEARCH_COMMAND)
    async def search_command(ls: AuroLanguageServer, *args: Any) -> dict[str, Any]:
        """For clients without custom requests: arguments are [query] or [{query, k, ...}]."""
        first = to_plain(args[0]) if args else None
        if isinstance(first, list) and first:
            first = first[0]
        raw = {"query": first} if isinstance(first, str) else first
        return await run_search(ls, parse_params(SearchParams, raw, SEARCH_COMMAND))

    @server.feature(types.WORKSPACE_SYMBOL)
    def workspace_symbol(
        ls: AuroLanguageServer, params: types.WorkspaceSymbolParams
    ) -> list[types.WorkspaceSymbol]:
        return [
            types.WorkspaceSymbol(
                name=symbol.name,
                kind=SYMBOL_KINDS.get(symbol.kind, types.SymbolKind.Variable),
                location=types.Location(
                    uri=from_fs_path(str(workspace.root / symbol.path)),
                    range=types.Range(
                        start=types.Position(line=symbol.start_line - 1, character=0),
                        end=types.Position(line=symbol.end_line, character=0),
                    ),
                ),
                container_name=symbol.path,
            )
            for workspace, symbol in ls.services.symbols(params.query)
        ]
