"""Prompts an agent's user can pick: "explain this code" and "where is X implemented", each
grounded in what the index holds (the code itself, or the places search finds)."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS
from pydantic import Field

from server.mcp.backend import McpBackend, Refused
from server.mcp.reading import line_window

WHERE_IS_RESULTS = 8


def parse_lines(lines: str) -> tuple[int, int | None]:
    """`"12-40"`, `"12"` or `""` as (start, end); MCPError for anything else."""
    text = lines.strip()
    if not text:
        return 1, None
    start, _, end = text.partition("-")
    try:
        first = int(start)
        last = int(end) if end else first
    except ValueError:
        raise MCPError(INVALID_PARAMS, f"lines: expected '12-40' or '12', got {lines!r}") from None
    if first < 1 or last < first:
        raise MCPError(INVALID_PARAMS, f"lines: {lines!r} is not a range of lines (1-based)")
    return first, last


def add_prompts(server: MCPServer, backend: McpBackend) -> None:
    @server.prompt(title="Explain this code")
    async def explain_code(
        path: Annotated[
            str, Field(max_length=4096, description="file path relative to the workspace root")
        ],
        lines: Annotated[
            str, Field(max_length=40, description="line range such as 12-40; empty: the file")
        ] = "",
    ) -> str:
        """Explain what a piece of the workspace's code does, how and why."""
        start, end = parse_lines(lines)
        try:
            code = line_window(await backend.read_file(path), start, end)
        except Refused as exc:
            raise MCPError(INVALID_PARAMS, str(exc)) from None
        cut = f"\n({code.notice})" if code.notice else ""
        return (
            f"Explain this code from `{code.path}` (lines {code.start_line}-{code.end_line} of "
            f"{code.total_lines}): what it does, how, and why it is written this way. Use "
            "search_code, find_symbol and read_code for the code it calls or that calls it."
            f"\n\n```{code.language or ''}\n{code.text}\n```{cut}"
        )

    @server.prompt(title="Where is X implemented?")
    async def where_is(
        feature: Annotated[
            str, Field(max_length=2000, description="a behaviour, feature or name to locate")
        ],
    ) -> str:
        """Find where a feature or behaviour is implemented in the workspace."""
        if not feature.strip():
            raise MCPError(INVALID_PARAMS, "feature: say what to look for")
        try:
            found = await backend.search(feature, WHERE_IS_RESULTS, None, None, True)
        except Refused as exc:
            raise MCPError(INVALID_PARAMS, str(exc)) from None
        places = "\n".join(
            f"- {hit.path}:{hit.start_line}-{hit.end_line}"
            + (f" ({hit.symbol})" if hit.symbol else "")
            for hit in found.results
        )
        partial = "" if found.complete else "\n(The index is still being built: more may exist.)"
        return (
            f"Where is this implemented: {feature}?\n\nThe index suggests these places, best "
            f"first:\n{places or '- (nothing found)'}{partial}\n\nCheck them with read_code "
            "(and search_code or find_symbol for more) and answer with the file paths and line "
            "ranges that implement it, saying briefly what each part does."
        )
