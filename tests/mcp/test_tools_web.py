"""`web_search` through the MCP server in this process, with the real ToolService over a
fake engine (the public internet is the one thing not reached): results and the cap."""

from __future__ import annotations

from pathlib import Path

from mcp import Client

from server.mcp.app import build_mcp_server
from server.mcp.local import LocalBackend
from server.tools import ToolService
from server.tools.config import ToolsConfig
from tests.support.http_app import open_services
from tests.tools.local_web import FakeEngine, FakeResolver


async def test_web_search_returns_the_engine_results_within_the_limits(tmp_path: Path):
    engine = FakeEngine()
    tools = ToolService(
        ToolsConfig(global_rate=1000.0, host_rate=1000.0, max_results=3),
        engine=engine,
        resolver=FakeResolver(),
    )
    services = await open_services(tmp_path, tools, AURO_EMBEDDING_BACKEND="torch")
    try:
        async with Client(build_mcp_server(LocalBackend(services))) as client:
            result = await client.call_tool(
                "web_search", {"query": "python asyncio timeout", "max_results": 10}
            )
            found = result.structured_content
            assert found["query"] == "python asyncio timeout"
            assert [r["url"] for r in found["results"]] == [
                f"https://example.com/{n}" for n in range(3)
            ]  # the configured cap wins over what was asked
            assert engine.calls[0][0] == "python asyncio timeout"
            too_many = await client.call_tool("web_search", {"query": "x", "max_results": 50})
            assert too_many.is_error
    finally:
        await services.close()
        await tools.close()
