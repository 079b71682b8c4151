"""Code search for the editor: `auro/search`, the `auro.search` command, `workspace/symbol`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lsprotocol import types

from server.lsp import convert, protocol as p
from server.lsp.params import parse_params, to_plain

if TYPE_CHECKING:
    from server.lsp.server import AuroLanguageServer

SYMBOL_KINDS = {
    "function": types.SymbolKind.Function,
    "function_part": types.SymbolKind.Function,
    "method": types.SymbolKind.Method,
    "class": types.SymbolKind.Class,
    "class_header": types.SymbolKind.Class,
    "section": types.SymbolKind.String,
}


async def run_search(ls: AuroLanguageServer, params: p.SearchParams) -> dict[str, Any]:
    outcome = await ls.services.search(
        params.query, params.k, params.paths, params.languages, group=params.group
    )
    return convert.search_result(outcome.found, outcome.complete, outcome.warnings).wire()


def setup(server: AuroLanguageServer) -> None:
    @server.feature(p.SEARCH)
    async def search(ls: AuroLanguageServer, params: Any) -> dict[str, Any]:
        return await run_search(ls, parse_params(p.SearchParams, params, p.SEARCH))

    @server.command(p.SEARCH_COMMAND)
    async def search_command(ls: AuroLanguageServer, *args: Any) -> dict[str, Any]:
        """For clients without custom requests: arguments are [query] or [{query, k, ...}]."""
        first = to_plain(args[0]) if args else None
        if isinstance(first, list) and first:
            first = first[0]
        raw = {"query": first} if isinstance(first, str) else first
        return await run_search(ls, parse_params(p.SearchParams, raw, p.SEARCH_COMMAND))

    @server.feature(types.WORKSPACE_SYMBOL)
    def workspace_symbol(
        ls: AuroLanguageServer, params: types.WorkspaceSymbolParams
    ) -> list[types.WorkspaceSymbol]:
        return [
            types.WorkspaceSymbol(
                name=symbol.name,
                kind=SYMBOL_KINDS.get(symbol.kind, types.SymbolKind.Variable),
                location=convert.lsp_location(
                    workspace.root / symbol.path, symbol.start_line, symbol.end_line
                ),
                container_name=symbol.path,
            )
            for workspace, symbol in ls.services.symbols(params.query)
        ]
