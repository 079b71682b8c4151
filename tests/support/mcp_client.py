"""The MCP SDK's own client against a real `auro-pai mcp` subprocess over stdio.

`mcp_session` yields an initialized `ClientSession` and the list of anything that was not
an MCP message on the server's stdout (it must stay empty); the server's stderr goes to a
file the test may read.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp_types import CallToolResult

from tests.support.lsp_harness import server_env


def mcp_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The server environment: isolated data, no LLM, torch embeddings (no ONNX export into
    a fresh data dir), no web search reaching out."""
    return server_env(
        data_dir,
        AURO_EMBEDDING_BACKEND="torch",
        AURO_LLM_PROVIDERS="",
        WEB_SEARCH_ENABLED="false",
        **extra,
    )


def index_once(root: Path, env: dict[str, str]) -> None:
    """`auro-pai index ROOT` to completion, so the servers the tests start find it built."""
    result = subprocess.run(
        [sys.executable, "-m", "server.cli", "index", str(root), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["complete"] is True


@asynccontextmanager
async def mcp_session(
    env: dict[str, str], root: Path, stderr: Path
) -> AsyncIterator[tuple[ClientSession, list[Any]]]:
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "server.cli", "mcp", "--workspace", str(root)], env=env
    )
    stray: list[Any] = []

    async def on_message(message: Any) -> None:
        if isinstance(message, Exception):  # a line on stdout that is not JSON-RPC
            stray.append(message)

    with stderr.open("a") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write):
            async with ClientSession(read, write, message_handler=on_message) as session:
                async with asyncio.timeout(120):
                    await session.initialize()
                yield session, stray


async def call(session: ClientSession, tool: str, **arguments: Any) -> CallToolResult:
    result = await session.call_tool(tool, arguments)
    assert isinstance(result, CallToolResult)
    return result


def error_text(result: CallToolResult) -> str:
    """The message of a tool error (and that it is one)."""
    assert result.is_error, result
    return " ".join(getattr(block, "text", "") for block in result.content)


async def wait_complete(session: ClientSession, timeout: float = 120) -> dict[str, Any]:
    """index_status, once every root is complete."""
    async with asyncio.timeout(timeout):
        while True:
            status = (await call(session, "index_status")).structured_content
            assert status is not None
            if all(w["complete"] for w in status["workspaces"]):
                return status
            await asyncio.sleep(0.3)
