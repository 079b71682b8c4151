"""`build_mcp_server(backend)`: the MCP server with Auro's tools, resources and prompts.

One factory for both transports: `auro-pai mcp` runs it over stdio, the sidecar mounts it at
`/mcp`. Every tool has typed input and output schemas; a refusal (a path outside the roots,
a secret, a blocked URL) is an MCP tool error with the reason, never a crash. No tool writes
files: the workspace is only ever read.
"""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import Field

from server.mcp.backend import McpBackend, Refused
from server.mcp.models import (
    Answer,
    CodeText,
    FetchedPage,
    IndexStatusResult,
    ReindexResult,
    SearchCodeResult,
    SymbolsResult,
    WebSearchResult,
)
from server.mcp.prompts import add_prompts
from server.mcp.reading import MAX_CHARS, MAX_LINES, line_window
from server.mcp.resources import IndexedFilesServer
from server.version import __version__

INSTRUCTIONS = (
    "Auro indexes this workspace's code (hybrid keyword + semantic search, kept current as "
    "files change). Start with search_code or find_symbol, then read_code for the lines you "
    "need. ask_codebase gives a cited answer from the configured model. Paths are relative "
    "to the workspace root."
)
READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)
WEB = ToolAnnotations(read_only_hint=True, open_world_hint=True)
READ_CODE = (
    f"Read lines of a workspace file. At most {MAX_LINES} lines and {MAX_CHARS} characters per "
    "call; `truncated` and `notice` say where to read on. Secret files, ignored files and "
    "anything outside the workspace are refused."
)

Path_ = Annotated[
    str,
    Field(
        min_length=1,
        max_length=4096,
        pattern=r"^[^\x00]+$",
        description="a file path relative to the workspace root (absolute paths inside it work)",
    ),
]


def build_mcp_server(backend: McpBackend) -> IndexedFilesServer:
    """The server over `backend`; the caller runs it (stdio, or mounted over HTTP) and closes
    the backend afterwards."""
    server = IndexedFilesServer(
        backend, name="auro-pai", version=__version__, instructions=INSTRUCTIONS
    )
    _add_code_tools(server, backend)
    _add_index_tools(server, backend)
    _add_web_tools(server, backend)
    _add_answer_tool(server, backend)
    add_prompts(server, backend)
    return server


def _add_code_tools(server: MCPServer, backend: McpBackend) -> None:
    @server.tool(annotations=READ_ONLY)
    async def search_code(
        query: Annotated[
            str,
            Field(
                min_length=1,
                max_length=2000,
                description="what you are looking for: words, identifiers or a description",
            ),
        ],
        k: Annotated[int, Field(ge=1, le=100, description="how many results")] = 10,
        paths: Annotated[
            list[str] | None,
            Field(description="only files matching these gitignore-style globs: ['src/**/*.py']"),
        ] = None,
        languages: Annotated[
            list[str] | None, Field(description="only these languages: ['python', 'go']")
        ] = None,
        group_by_file: Annotated[
            bool, Field(description="one result per file (its best place): for 'which file'")
        ] = False,
    ) -> SearchCodeResult:
        """Search the workspace's code by keywords and meaning at once. Returns places
        (path, lines, enclosing symbol, snippet), best first. `complete` is false while the
        index is still being built."""
        try:
            return await backend.search(query, k, paths, languages, group_by_file)
        except Refused as exc:
            raise ToolError(str(exc)) from None

    @server.tool(annotations=READ_ONLY, description=READ_CODE)
    async def read_code(
        path: Path_,
        start_line: Annotated[int, Field(ge=1, description="first line, 1-based")] = 1,
        end_line: Annotated[
            int | None, Field(ge=1, description="last line, inclusive; omit to read to the end")
        ] = None,
    ) -> CodeText:
        try:
            return line_window(await backend.read_file(path), start_line, end_line)
        except Refused as exc:
            raise ToolError(str(exc)) from None

    @server.tool(annotations=READ_ONLY)
    async def find_symbol(
        name: Annotated[
            str,
            Field(
                min_length=1,
                max_length=200,
                description="a function, class or method name, or part of one",
            ),
        ],
        limit: Annotated[int, Field(ge=1, le=100, description="most definitions returned")] = 20,
    ) -> SymbolsResult:
        """Find where symbols are defined, by name: exact names first, then names starting
        with it, then names containing it. Returns path and line range of each definition."""
        try:
            found = await backend.symbols(name, limit + 1)
        except Refused as exc:
            raise ToolError(str(exc)) from None
        notice = None
        if not found:
            notice = f"no indexed definition is named like {name!r}; search_code finds uses"
        return SymbolsResult(symbols=found[:limit], truncated=len(found) > limit, notice=notice)


def _add_index_tools(server: MCPServer, backend: McpBackend) -> None:
    @server.tool(annotations=READ_ONLY)
    async def index_status() -> IndexStatusResult:
        """How far the index of each workspace root is: files and chunks indexed and
        embedded, the phase, an ETA. Search works while it builds; `complete` says when
        results are final."""
        try:
            return IndexStatusResult(workspaces=await backend.index_status())
        except Refused as exc:
            raise ToolError(str(exc)) from None

    @server.tool(
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=False, idempotent_hint=True
        )
    )
    async def reindex() -> ReindexResult:
        """Re-read every file of the workspace into the index (unchanged code keeps its
        vectors). Rarely needed: the index follows file changes by itself. Returns at once;
        poll index_status until complete."""
        try:
            return await backend.reindex()
        except Refused as exc:
            raise ToolError(str(exc)) from None


def _add_web_tools(server: MCPServer, backend: McpBackend) -> None:
    @server.tool(annotations=WEB)
    async def web_search(
        query: Annotated[str, Field(min_length=1, max_length=500)],
        max_results: Annotated[int, Field(ge=1, le=20)] = 5,
    ) -> WebSearchResult:
        """Search the web (title, URL, snippet per result). Rate-limited; fails with a
        reason when web search is switched off."""
        try:
            return await backend.web_search(query, max_results)
        except Refused as exc:
            raise ToolError(str(exc)) from None

    @server.tool(annotations=WEB)
    async def fetch_url(
        url: Annotated[str, Field(min_length=1, max_length=4096, description="an http(s) URL")],
    ) -> FetchedPage:
        """Fetch one public web page as readable text (size-capped; `truncated` says when it
        was cut). Private and local addresses, robots.txt refusals and other content types
        are refused with a reason."""
        try:
            return await backend.fetch_url(url)
        except Refused as exc:
            raise ToolError(str(exc)) from None


def _add_answer_tool(server: MCPServer, backend: McpBackend) -> None:
    @server.tool(annotations=ToolAnnotations(read_only_hint=True, open_world_hint=True))
    async def ask_codebase(
        question: Annotated[
            str, Field(min_length=1, max_length=20_000, description="a question about the code")
        ],
        ctx: Context,
    ) -> Answer:
        """Ask the configured language model a question about this workspace; it answers
        from the code the index finds, citing the places (workspace-relative paths). The
        answer streams as progress notifications; cancelling the call stops the model."""
        received = 0

        async def on_text(piece: str) -> None:
            nonlocal received
            received += len(piece)
            await ctx.report_progress(received, None, piece)

        try:
            answer = await backend.ask(question, on_text)
        except Refused as exc:
            raise ToolError(str(exc)) from None
        if answer.status == "error":
            raise ToolError(f"the model did not answer: {answer.error or 'unknown error'}")
        return answer
