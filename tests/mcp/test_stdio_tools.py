"""`auro-pai mcp` over stdio, driven by the MCP SDK's own client: the tools with good and bad
arguments, the indexed files as resources, the prompts.

One workspace is indexed once for the module; each test starts its own server on it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp.shared.exceptions import MCPError

from server.mcp.reading import MAX_LINES
from server.mcp.resources import PAGE_SIZE
from tests.support.mcp_client import (
    call,
    error_text,
    index_once,
    mcp_env,
    mcp_session,
    wait_complete,
)
from tests.support.sample_code import CALC, GEOMETRY

TOOLS = {
    "search_code",
    "read_code",
    "find_symbol",
    "index_status",
    "reindex",
    "web_search",
    "fetch_url",
    "ask_codebase",
}
BIG_LINES = 1000
MANY = PAGE_SIZE + 5  # files in many/: the resource list needs two pages


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(root, data dir), indexed: code, a big file, secrets, a symlink out, ignored files."""
    base = tmp_path_factory.mktemp("mcp")
    root = base / "repo"
    (root / "build").mkdir(parents=True)
    (root / "many").mkdir()
    (root / "calc.py").write_text(CALC)
    (root / "geometry.py").write_text(GEOMETRY)
    (root / "big.py").write_text("".join(f"value_{n} = {n}\n" for n in range(1, BIG_LINES + 1)))
    (root / ".env").write_text("OPENAI_API_KEY=sk-not-for-agents\n")
    (root / "keys.py").write_text('AWS = "AKIAABCDEFGHIJKLMNOP"\n')
    (root / "notes.txt").symlink_to(root / ".env")
    (root / ".gitignore").write_text("build/\n")
    (root / "build" / "generated.py").write_text("GENERATED = True\n")
    outside = base / "outside"
    outside.mkdir()
    (outside / "private.py").write_text("PRIVATE = 'outside the workspace'\n")
    (root / "escape.py").symlink_to(outside / "private.py")
    for n in range(MANY):
        (root / "many" / f"f{n:03}.py").write_text(f"CONSTANT_{n} = {n}\n")
    data = base / "data"
    index_once(root, mcp_env(data))
    return root, data


async def test_lists_every_tool_with_typed_schemas_and_descriptions(workspace, tmp_path):
    root, data = workspace
    async with mcp_session(mcp_env(data), root, tmp_path / "stderr") as (session, stray):
        listed = (await session.list_tools()).tools
        assert {tool.name for tool in listed} == TOOLS
        for tool in listed:
            assert tool.description and len(tool.description) > 40, tool.name
            assert tool.input_schema["type"] == "object"
            assert tool.output_schema is not None and tool.output_schema["type"] == "object"
        search = next(t for t in listed if t.name == "search_code")
        assert search.input_schema["required"] == ["query"]
        assert search.input_schema["properties"]["k"]["maximum"] == 100
        assert {"results", "complete", "warnings"} <= set(search.output_schema["properties"])
        assert not any(t.annotations.destructive_hint for t in listed if t.annotations)
    assert stray == []


async def test_search_code_gives_the_rest_result_shape(workspace, tmp_path):
    root, data = workspace
    async with mcp_session(mcp_env(data), root, tmp_path / "stderr") as (session, stray):
        await wait_complete(session)  # the start-up scan checks every file again first
        result = await call(session, "search_code", query="divide by zero", k=3)
        found = result.structured_content
        assert found["complete"] is True and found["warnings"] == []
        best = found["results"][0]
        assert (best["path"], best["symbol"], best["start_line"]) == ("calc.py", "divide", 8)
        assert set(best) == {
            "path", "start_line", "end_line", "symbol", "language", "score", "snippet",
            "retrievers",
        }  # fmt: skip
        only_geometry = await call(
            session, "search_code", query="area", paths=["geometry.py"], group_by_file=True
        )
        assert [r["path"] for r in only_geometry.structured_content["results"]] == ["geometry.py"]
        bad_glob = await call(session, "search_code", query="x", paths=["\\"])
        assert "not a valid gitignore-style glob" in error_text(bad_glob)
        assert error_text(await call(session, "search_code", query="", k=3))
        assert "100" in error_text(await call(session, "search_code", query="x", k=1000))
    assert stray == []


async def test_read_code_reads_lines_and_refuses_what_must_not_leave(workspace, tmp_path):
    root, data = workspace
    async with mcp_session(mcp_env(data), root, tmp_path / "stderr") as (session, stray):
        lines = await call(session, "read_code", path="calc.py", start_line=8, end_line=9)
        assert lines.structured_content["text"] == "def divide(a, b):\n    if b == 0:\n"
        assert lines.structured_content["total_lines"] == 11
        assert lines.structured_content["truncated"] is False
        absolute = await call(session, "read_code", path=str(root / "geometry.py"))
        assert absolute.structured_content["text"] == GEOMETRY

        huge = (await call(session, "read_code", path="big.py", end_line=10**9)).structured_content
        assert (huge["start_line"], huge["end_line"]) == (1, MAX_LINES)
        assert huge["truncated"] is True and f"start_line={MAX_LINES + 1}" in huge["notice"]
        whole = await call(session, "read_code", path="calc.py", end_line=10**9)
        assert whole.structured_content["text"] == CALC
        assert whole.structured_content["truncated"] is False

        refusals = {
            "../outside/private.py": "not inside a workspace root",
            "/etc/passwd": "not inside a workspace root",
            "escape.py": "outside the workspace root",
            ".env": "secret",
            "notes.txt": "secret",
            "keys.py": "credential",
            "build/generated.py": "ignore file",
            "missing.py": "no such file",
        }
        for path, reason in refusals.items():
            message = error_text(await call(session, "read_code", path=path))
            assert reason in message, (path, message)
            assert "sk-not-for-agents" not in message and "PRIVATE" not in message
        past_end = await call(session, "read_code", path="calc.py", start_line=500)
        assert "has 11 lines" in error_text(past_end)
        backwards = await call(session, "read_code", path="calc.py", start_line=5, end_line=2)
        assert "before start_line" in error_text(backwards)
        assert error_text(await call(session, "read_code", path="calc.py", start_line=0))
        assert error_text(await call(session, "read_code", path="calc\x00.py"))
    assert stray == []


async def test_find_symbol_and_the_index_tools(workspace, tmp_path):
    root, data = workspace
    async with mcp_session(mcp_env(data), root, tmp_path / "stderr") as (session, stray):
        found = (await call(session, "find_symbol", name="divide")).structured_content
        assert found["symbols"][0] == {
            "name": "divide",
            "kind": "function",
            "root": str(root),
            "path": "calc.py",
            "start_line": 8,
            "end_line": 11,
            "language": "python",
        }
        unknown = (await call(session, "find_symbol", name="no_such_thing")).structured_content
        assert unknown["symbols"] == [] and "search_code" in unknown["notice"]
        assert error_text(await call(session, "find_symbol", name=""))

        status = (await wait_complete(session))["workspaces"]
        assert [w["root"] for w in status] == [str(root)]
        assert status[0]["complete"] is True and status[0]["files_total"] >= MANY
        started = (await call(session, "reindex")).structured_content
        assert started["started"] == [str(root)]
        assert started["workspaces"][0]["root"] == str(root)
    assert stray == []


async def test_indexed_files_are_paginated_file_resources_read_under_the_same_rules(
    workspace, tmp_path
):
    root, data = workspace
    async with mcp_session(mcp_env(data), root, tmp_path / "stderr") as (session, stray):
        first = await session.list_resources()
        assert len(first.resources) == PAGE_SIZE and first.next_cursor
        from mcp_types import PaginatedRequestParams

        second = await session.list_resources(
            params=PaginatedRequestParams(cursor=first.next_cursor)
        )
        uris = [r.uri for r in first.resources + second.resources]
        assert len(uris) == len(set(uris))
        assert (root / "calc.py").as_uri() in uris
        assert not any(u.endswith((".env", "notes.txt", "escape.py", "generated.py")) for u in uris)

        calc = await session.read_resource((root / "calc.py").as_uri())
        assert calc.contents[0].text == CALC
        for bad in [(root / ".env").as_uri(), (root / "escape.py").as_uri(), "file:///etc/passwd"]:
            with pytest.raises(MCPError) as refused:
                await session.read_resource(bad)
            assert "sk-not-for-agents" not in refused.value.message
        with pytest.raises(MCPError, match="invalid cursor"):
            await session.list_resources(params=PaginatedRequestParams(cursor="garbage"))
    assert stray == []


async def test_prompts_ground_in_the_code_and_the_index(workspace, tmp_path):
    root, data = workspace
    async with mcp_session(mcp_env(data), root, tmp_path / "stderr") as (session, stray):
        names = {p.name for p in (await session.list_prompts()).prompts}
        assert names == {"explain_code", "where_is"}
        explain = await session.get_prompt("explain_code", {"path": "calc.py", "lines": "8-11"})
        text = explain.messages[0].content.text
        assert "def divide(a, b):" in text and "def add" not in text
        where = await session.get_prompt("where_is", {"feature": "area of a circle"})
        assert "geometry.py:6-7 (circle_area)" in where.messages[0].content.text
        with pytest.raises(MCPError, match="secret"):
            await session.get_prompt("explain_code", {"path": ".env"})
        with pytest.raises(MCPError, match="lines"):
            await session.get_prompt("explain_code", {"path": "calc.py", "lines": "ten"})
    assert stray == []
