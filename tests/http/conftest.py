"""A real `create_app(services)` on 127.0.0.1 over a tiny workspace; nothing leaves the host.

Tools are stubbed (no web search or fetch), no LLM endpoint is configured, the embedding
model is loaded only if a test searches the index.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from server.config import Settings, load_settings
from server.health import ComponentHealth
from server.http.app import AUTH, create_app
from server.services import Services
from server.tools.models import FetchedPage, SearchAndFetchResult, SearchResult


def http_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AURO_", "OPENAI_", "GEMINI_"))}
    env.update(
        AURO_DATA_DIR=str(data_dir),
        LLAMACPP_SERVER_URL="",
        AURO_WATCH_FILES="false",
        WEB_SEARCH_ENABLED="true",
    )
    env.update(extra)
    return env


def make_settings(data_dir: Path, **extra: str) -> Settings:
    settings, warnings = load_settings(env=http_env(data_dir, **extra), files=[])
    assert not warnings, warnings
    return settings


class StubTools:
    """Stands in for ToolService: canned answers, never the network."""

    async def search(
        self, query: str, max_results: int = 5, options: Any = None
    ) -> list[SearchResult]:
        return [
            SearchResult(title=f"r{n}", url=f"https://example.com/{n}", snippet="s")
            for n in range(max_results)
        ]

    async def fetch(self, url: str) -> FetchedPage:
        return FetchedPage(url=url, requested_url=url, title="t", text="text")

    async def search_and_fetch(
        self, query: str, max_results: int = 5, fetch_top: int = 3, options: Any = None
    ) -> SearchAndFetchResult:
        return SearchAndFetchResult(
            query=query,
            results=await self.search(query, max_results, options),
            pages=[],
            failures=[],
        )

    def health(self) -> ComponentHealth:
        return ComponentHealth("ok", "stub")

    async def close(self) -> None:
        pass


def tiny_workspace(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    return root


async def open_services(tmp_path: Path, tools: Any = None, **env: str) -> Services:
    """`tools`: the tool service to use (default: `StubTools`)."""
    services = await Services.open(
        make_settings(tmp_path / "data", **env), tools=tools or StubTools()
    )
    await services.add_workspace(tiny_workspace(tmp_path / "ws"))
    return services


@dataclass
class Api:
    client: TestClient
    services: Services
    app: web.Application

    @property
    def token(self) -> str | None:
        return self.app[AUTH].primary()

    def auth(self, **headers: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **headers}


StartApi = Callable[..., Awaitable[Api]]


@pytest.fixture
async def start_api(tmp_path: Path) -> AsyncIterator[StartApi]:
    """`await start_api(AURO_HTTP_...="...", setup=fn(app), tools=...)` -> a served app and
    its token."""
    started: list[Api] = []

    async def start(
        setup: Callable[[web.Application], None] | None = None, tools: Any = None, **env: str
    ) -> Api:
        services = await open_services(tmp_path, tools, **env)
        app = create_app(services)
        if setup is not None:
            setup(app)
        client = TestClient(TestServer(app, host="127.0.0.1"))
        await client.start_server()
        api = Api(client, services, app)
        started.append(api)
        return api

    yield start
    for api in started:
        await api.client.close()
        await api.services.close()


class ServerThread:
    """The app on its own event loop in a thread, for synchronous clients (schemathesis)."""

    def __init__(self, tmp_path: Path, **env: str):
        self._tmp_path = tmp_path
        self._env = env
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self.url = ""
        self.token = ""
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ServerThread:
        self._thread.start()
        self._ready.wait(120)
        if self._error is not None:
            raise self._error
        return self

    def __exit__(self, *_: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(60)

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        try:
            services = await open_services(self._tmp_path, **self._env)
            app = create_app(services)
            runner = web.AppRunner(app)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            self.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
            self.token = app[AUTH].primary() or ""
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            raise
        self._ready.set()
        await self._stop.wait()
        await runner.cleanup()
        await services.close()
