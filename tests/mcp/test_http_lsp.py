"""`/mcp` on the language server's own sidecar (the real `auro-pai lsp` process): served with
the token `auro/status` reports; with HTTP off nothing listens, so there is no `/mcp`."""

from __future__ import annotations

from pathlib import Path

from tests.support.lsp_harness import lsp_session, server_env
from tests.support.mcp_http import mcp_session


async def test_the_language_servers_sidecar_serves_mcp(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    async with lsp_session(server_env(tmp_path / "data"), [root]) as (_, recorder):
        status = await recorder.next("auro/status", 1)
        auth = {"Authorization": f"Bearer {status.http.token}"}
        async with mcp_session(f"{status.http.url}/mcp", auth) as session:
            tools = {tool.name for tool in (await session.list_tools()).tools}
            read = await session.call_tool("read_code", {"path": "calc.py"})
    assert {"search_code", "read_code"} <= tools
    assert not read.is_error
    assert read.structured_content["text"].startswith("def add(a, b):")


async def test_with_http_off_nothing_serves_mcp(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    env = server_env(tmp_path / "data", AURO_HTTP_ENABLED="false")
    async with lsp_session(env, [root]) as (_, recorder):
        status = await recorder.next("auro/status", 1)
        assert status.http is None
        data_dir = Path(status.workspaces[0].dataDir)
        assert data_dir.is_dir()
        assert not (data_dir / "sidecar.json").exists()  # no address for any client to find
