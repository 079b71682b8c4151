"""The sidecar app served as in production (aiohttp's own test server cancels a handler
whose client left; the sidecar's runner does not, which is what `/mcp` must live with),
and MCP client sessions against it over streamable HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
from aiohttp import web
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client

from server.http.app import AUTH, create_app
from server.services import Services
from tests.support.http_app import open_services


@dataclass
class Served:
    url: str
    token: str
    services: Services
    app: web.Application

    def auth(self, **headers: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **headers}


@asynccontextmanager
async def served(
    tmp_path: Path, setup: Callable[[web.Application], None] | None = None, **env: str
) -> AsyncIterator[Served]:
    """`create_app` over a tiny workspace on 127.0.0.1 with the production runner."""
    services = await open_services(tmp_path, **env)
    app = create_app(services)
    if setup is not None:
        setup(app)
    runner = web.AppRunner(app)
    try:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        yield Served(url, app[AUTH].primary() or "", services, app)
    finally:
        await runner.cleanup()
        await services.close()


@asynccontextmanager
async def mcp_session(url: str, headers: dict[str, str]) -> AsyncIterator[ClientSession]:
    """An initialized MCP client session (the SDK's own client) at `url`."""
    async with (
        httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(60, read=300)) as http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


def text_of(result: Any) -> str:
    """The text parts of a tool result, joined."""
    return "\n".join(part.text for part in result.content if getattr(part, "text", None))
