"""Who may reach `/mcp`: the REST API's bearer token and Host check, JSON errors with their
status when refused, 404 when MCP over HTTP is off; sessions end with the sidecar, fast."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp
import httpx2
import pytest
from mcp.shared.exceptions import MCPError

from server.http.sidecar import Sidecar
from server.services import Services
from tests.support.http_app import make_settings
from tests.support.mcp_http import Served, mcp_session, served

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "test", "version": "0"},
    },
}
MCP_ACCEPT = {"Accept": "application/json, text/event-stream"}


async def post_initialize(srv: Served, **headers: str) -> tuple[int, dict]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{srv.url}/mcp", json=INITIALIZE, headers={**MCP_ACCEPT, **headers}) as r,
    ):
        return r.status, await r.json(content_type=None)


async def test_without_the_token_mcp_is_refused_with_json_401(tmp_path: Path) -> None:
    async with served(tmp_path) as srv:
        status, body = await post_initialize(srv)
        assert status == 401
        assert body["error"]["code"] == "unauthorized"
        status, body = await post_initialize(srv, Authorization="Bearer not-the-token")
        assert status == 401
        with pytest.RaisesGroup(MCPError, flatten_subgroups=True):  # the SDK client gives up
            async with mcp_session(f"{srv.url}/mcp", {"Authorization": "Bearer wrong"}):
                pass


async def test_a_foreign_host_is_refused_with_json_403(tmp_path: Path) -> None:
    async with served(tmp_path) as srv:
        status, body = await post_initialize(srv, Host="evil.example", **srv.auth())
        assert status == 403
        assert body["error"]["code"] == "host_not_allowed"


async def test_with_the_token_an_mcp_session_starts(tmp_path: Path) -> None:
    async with served(tmp_path) as srv, mcp_session(f"{srv.url}/mcp", srv.auth()) as session:
        info = session.initialize_result
        assert info is not None and info.server_info.name == "auro-pai"
        assert (await session.send_ping()) is not None


async def test_mcp_over_http_off_is_absent(tmp_path: Path) -> None:
    async with served(tmp_path, AURO_MCP_HTTP="false") as srv:
        status, body = await post_initialize(srv, **srv.auth())
        assert status == 404
        assert body["error"]["code"] == "not_found"
        async with (
            aiohttp.ClientSession(headers=srv.auth()) as http,
            http.get(f"{srv.url}/api/v1/health") as health,
        ):
            assert health.status == 200  # the REST API itself is still there


async def test_a_chunked_body_past_the_limit_is_a_json_413(tmp_path: Path) -> None:
    async def chunks():
        for _ in range(8):
            yield b" " * 1024

    async with served(tmp_path, AURO_HTTP_MAX_BODY_BYTES="4096") as srv:
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                f"{srv.url}/mcp",
                data=chunks(),
                headers={**MCP_ACCEPT, **srv.auth(), "Content-Type": "application/json"},
            ) as response,
        ):
            assert response.status == 413
            assert (await response.json())["error"]["code"] == "body_too_large"


async def test_an_open_event_stream_ends_when_its_client_leaves(tmp_path: Path) -> None:
    """The SDK allows one GET stream per session (409 for a second): a new one is accepted
    only once the server saw the first client go."""
    async with served(tmp_path) as srv:
        session_id = await _session_id(srv)
        headers = {**srv.auth(), "Accept": "text/event-stream", "Mcp-Session-Id": session_id}
        async with aiohttp.ClientSession() as http:
            first = await http.get(f"{srv.url}/mcp", headers=headers)
            assert first.status == 200
            first.close()  # the client leaves without a word
            async with asyncio.timeout(5):
                while True:
                    again = await http.get(f"{srv.url}/mcp", headers=headers)
                    if again.status == 200:
                        again.close()
                        break
                    assert again.status == 409
                    again.release()
                    await asyncio.sleep(0.1)


async def _session_id(srv: Served) -> str:
    """A fresh session's id, from a raw initialize."""
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{srv.url}/mcp", json=INITIALIZE, headers={**MCP_ACCEPT, **srv.auth()}
        ) as response,
    ):
        assert response.status == 200
        return response.headers["Mcp-Session-Id"]


async def test_the_sidecar_stops_fast_with_an_event_stream_open(tmp_path: Path) -> None:
    services = await Services.open(make_settings(tmp_path / "data"))
    await services.add_workspace(tmp_path)
    sidecar = Sidecar(services)
    address = await sidecar.start("127.0.0.1", 0)
    token = sidecar.token or ""
    try:
        srv = Served(address.url, token, services, None)  # type: ignore[arg-type]
        session_id = await _session_id(srv)
        headers = {**srv.auth(), "Accept": "text/event-stream", "Mcp-Session-Id": session_id}
        async with httpx2.AsyncClient(timeout=30) as http:
            async with http.stream("GET", f"{address.url}/mcp", headers=headers) as stream:
                assert stream.status_code == 200
                started = time.monotonic()
                await sidecar.stop()
                assert time.monotonic() - started < 3
    finally:
        await sidecar.stop()
        await services.close()
