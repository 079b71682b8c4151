"""Indexed files as MCP resources: `file://` URIs, listed a page at a time, read under the
same rules as `read_code`.

MCPServer lists only resources registered up front and does not paginate; an index holds
thousands of files that change as it is kept current. So this server answers
`resources/list` and `resources/read` itself, from the backend.
"""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path
from typing import Any

import anyio
from mcp.server.context import ServerRequestContext
from mcp.server.mcpserver import MCPServer
from mcp.shared.exceptions import MCPError
from mcp_types import (
    INVALID_PARAMS,
    ListResourcesResult,
    PaginatedRequestParams,
    ReadResourceRequestParams,
    ReadResourceResult,
    Resource,
    TextResourceContents,
)

from server.mcp.backend import FilePosition, McpBackend, Refused
from server.mcp.reading import MAX_CHARS
from server.mcp.unreadable import answer_unreadable

PAGE_SIZE = 200
MAX_CURSOR = 16_384  # a cursor holds a root's number and a path (at most 4096 bytes)


def encode_cursor(position: FilePosition) -> str:
    raw = json.dumps({"root": position.root, "after": position.path}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def decode_cursor(cursor: str, roots: int) -> FilePosition:
    """The position a cursor from `encode_cursor` holds, for a server of `roots` roots;
    MCPError for anything else (a forged cursor must not reach the catalog)."""
    invalid = MCPError(INVALID_PARAMS, "invalid cursor: pass back a nextCursor unchanged")
    if len(cursor) > MAX_CURSOR:
        raise invalid
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        root, after = data["root"], data["after"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise invalid from None
    if type(root) is not int or not 0 <= root < roots or not isinstance(after, str):
        raise invalid
    return FilePosition(root, after)


class IndexedFilesServer(MCPServer[Any]):
    """An MCPServer whose resources are the backend's indexed files.

    It overrides two of MCPServer's handlers and reaches its low-level server, which is why
    pyproject pins the SDK's minor version."""

    def __init__(self, backend: McpBackend, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.backend = backend

    async def run_streams(self, read: Any, write: Any) -> None:
        """Serve one connection on the streams of `mcp.server.stdio.stdio_server()`, which
        `auro-pai mcp` enters before it opens the index, so nothing written meanwhile
        reaches the wire."""
        lowlevel = self._lowlevel_server
        forward, readable = anyio.create_memory_object_stream[Any](0)
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(answer_unreadable, read, forward, write)
            await lowlevel.run(readable, write, lowlevel.create_initialization_options())
            tasks.cancel_scope.cancel()

    async def _handle_list_resources(
        self, ctx: ServerRequestContext[Any], params: PaginatedRequestParams | None
    ) -> ListResourcesResult:
        cursor = params.cursor if params is not None else None
        after = decode_cursor(cursor, len(self.backend.roots)) if cursor else None
        files, following = await self.backend.files_page(after, PAGE_SIZE)
        resources = [
            Resource(
                uri=(Path(f.root) / f.path).as_uri(),
                name=f.path,
                description=f"{f.language} file in {f.root}",
                mime_type="text/plain",
                size=f.size,
            )
            for f in files
        ]
        return ListResourcesResult(
            resources=resources,
            next_cursor=None if following is None else encode_cursor(following),
        )

    async def _handle_read_resource(
        self, ctx: ServerRequestContext[Any], params: ReadResourceRequestParams
    ) -> ReadResourceResult:
        uri = str(params.uri)
        if not uri.startswith("file://"):
            raise MCPError(INVALID_PARAMS, f"unknown resource {uri}: only file:// URIs are served")
        try:
            file = await self.backend.read_file(uri)
        except Refused as exc:
            raise MCPError(INVALID_PARAMS, str(exc), {"uri": uri}) from None
        if len(file.text) > MAX_CHARS * 4:
            raise MCPError(
                INVALID_PARAMS,
                f"{file.path} has {len(file.text)} characters, more than a resource returns "
                f"({MAX_CHARS * 4}); read it in parts with the read_code tool",
                {"uri": uri},
            )
        return ReadResourceResult(
            contents=[TextResourceContents(uri=uri, text=file.text, mime_type="text/plain")]
        )
