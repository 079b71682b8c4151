"""`/mcp` on the real sidecar (`Sidecar.start`, the production runner) over a small indexed
workspace, driven by the SDK's own streamable HTTP client: tools listed with their schemas,
`search_code` and `read_code` with good and bad arguments, the same answers as REST."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from server.http.sidecar import Sidecar
from server.services import Services
from tests.support.http_app import make_settings
from tests.support.mcp_http import mcp_session, text_of
from tests.support.sample_code import CALC, GEOMETRY

pytestmark = pytest.mark.asyncio(loop_scope="module")


class Indexed:
    def __init__(self, url: str, token: str, root: Path, outside: Path):
        self.url = url
        self.token = token
        self.root = root
        self.outside = outside

    @property
    def mcp(self) -> str:
        return f"{self.url}/mcp"

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def wait_complete(served: Indexed, timeout: float = 120) -> None:
    """Until `search_code` finds calc.py's `divide` with the index complete."""
    async with mcp_session(served.mcp, served.auth()) as session, asyncio.timeout(timeout):
        while True:
            result = await session.call_tool("search_code", {"query": "divide by zero", "k": 5})
            found = result.structured_content or {}
            if found.get("complete") and any(
                hit["path"] == "calc.py" for hit in found.get("results", [])
            ):
                return
            await asyncio.sleep(0.3)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def indexed(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Indexed]:
    tmp = tmp_path_factory.mktemp("mcp-http")
    root = tmp / "ws"
    root.mkdir()
    (root / "calc.py").write_text(CALC)
    (root / "geometry.py").write_text(GEOMETRY)
    (root / ".env").write_text("OPENAI_API_KEY=sk-not-for-agents\n")
    outside = tmp / "outside.py"
    outside.write_text("SECRET_OUTSIDE = 1\n")
    (root / "escape.py").symlink_to(outside)
    services = await Services.open(make_settings(tmp / "data"))
    await services.add_workspace(root)
    sidecar = Sidecar(services)
    address = await sidecar.start("127.0.0.1", 0)
    served = Indexed(address.url, sidecar.token or "", root.resolve(), outside)
    try:
        await wait_complete(served)
        yield served
    finally:
        await sidecar.stop()
        await services.close()


async def test_tools_are_listed_with_typed_schemas(indexed: Indexed) -> None:
    async with mcp_session(indexed.mcp, indexed.auth()) as session:
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}
    assert {"search_code", "read_code", "find_symbol", "index_status", "reindex"} <= set(tools)
    search = tools["search_code"]
    assert search.input_schema["required"] == ["query"]
    assert {"query", "k", "paths", "languages"} <= set(search.input_schema["properties"])
    assert search.output_schema is not None
    assert tools["read_code"].input_schema["required"] == ["path"]


async def test_search_code_answers_as_rest_does(indexed: Indexed) -> None:
    query = {"query": "area of a circle", "k": 3}
    async with mcp_session(indexed.mcp, indexed.auth()) as session:
        result = await session.call_tool("search_code", query)
    assert not result.is_error
    found = result.structured_content
    assert found["complete"] is True
    assert found["results"][0]["path"] == "geometry.py"
    assert found["results"][0]["symbol"] == "circle_area"
    assert json.loads(text_of(result)) == found  # the same result as text for older clients
    async with (
        aiohttp.ClientSession(headers=indexed.auth()) as http,
        http.post(f"{indexed.url}/api/v1/rag/search", json=query) as response,
    ):
        rest = await response.json()
    assert [(h["path"], h["start_line"]) for h in found["results"]] == [
        (h["path"], h["start_line"]) for h in rest["results"]
    ]


async def test_search_code_refuses_bad_arguments_as_tool_errors(indexed: Indexed) -> None:
    async with mcp_session(indexed.mcp, indexed.auth()) as session:
        empty = await session.call_tool("search_code", {"query": ""})
        too_many = await session.call_tool("search_code", {"query": "add", "k": 1000})
        bad_glob = await session.call_tool("search_code", {"query": "add", "paths": ["\\"]})
        # the session survives every refusal
        still = await session.call_tool("search_code", {"query": "add two numbers", "k": 1})
    for refused in (empty, too_many, bad_glob):
        assert refused.is_error, refused
        assert text_of(refused)
    assert "paths" in text_of(bad_glob)
    assert not still.is_error and still.structured_content["results"]


async def test_read_code_reads_a_line_range(indexed: Indexed) -> None:
    async with mcp_session(indexed.mcp, indexed.auth()) as session:
        result = await session.call_tool(
            "read_code", {"path": "calc.py", "start_line": 8, "end_line": 11}
        )
    assert not result.is_error
    code = result.structured_content
    assert code["path"] == "calc.py" and code["start_line"] == 8 and code["end_line"] == 11
    assert code["text"].splitlines()[0] == "def divide(a, b):"
    assert code["total_lines"] == len(CALC.splitlines())


@pytest.mark.parametrize(
    "arguments",
    [
        {"path": "../outside.py"},  # climbs out of the root
        {"path": "escape.py"},  # a symlink out of the root
        {"path": ".env"},  # a secret file
        {"path": "nowhere.py"},  # no such file
        {"path": "calc.py", "start_line": 0},  # lines are 1-based
    ],
    ids=["traversal", "symlink", "secret", "missing", "line-zero"],
)
async def test_read_code_refuses_what_it_must_not_read(
    indexed: Indexed, arguments: dict[str, Any]
) -> None:
    async with mcp_session(indexed.mcp, indexed.auth()) as session:
        result = await session.call_tool("read_code", arguments)
    assert result.is_error
    message = text_of(result)
    assert message
    assert "SECRET_OUTSIDE" not in message and "sk-not-for-agents" not in message


async def test_read_code_with_an_absolute_path_outside_is_refused(indexed: Indexed) -> None:
    async with mcp_session(indexed.mcp, indexed.auth()) as session:
        result = await session.call_tool("read_code", {"path": str(indexed.outside)})
    assert result.is_error
    assert "SECRET_OUTSIDE" not in text_of(result)
