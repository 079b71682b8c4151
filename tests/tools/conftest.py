"""Fixtures: local sites on 127.0.0.1 and tool services built on them, closed after each test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from aiohttp import web

from server.tools import ToolsConfig, ToolService
from tests.tools.local_web import (
    FakeEngine,
    FakeResolver,
    MakeService,
    Serve,
    Site,
    content_app,
)


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    runners: list[web.AppRunner] = []

    async def start(app: web.Application) -> Site:
        hits: dict[str, int] = {}
        headers: list[dict[str, str]] = []

        @web.middleware
        async def count(request: web.Request, handler):
            hits[request.path] = hits.get(request.path, 0) + 1
            headers.append(dict(request.headers))
            return await handler(request)

        app.middlewares.append(count)
        runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        port = runner.addresses[0][1]
        return Site(f"127.0.0.1:{port}", hits, headers)

    yield start
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
async def site(serve: Serve) -> Site:
    return await serve(content_app())


@pytest.fixture
async def make_service() -> AsyncIterator[MakeService]:
    """Build services on ToolsConfig overrides (rate limits off unless given); closed after."""
    made: list[ToolService] = []

    def build(
        *,
        engine: FakeEngine | None = None,
        resolver: FakeResolver | None = None,
        clock: Callable[[], float] | None = None,
        **overrides,
    ) -> ToolService:
        service = ToolService(
            ToolsConfig(**{"global_rate": 1000.0, "host_rate": 1000.0, **overrides}),
            engine=engine or FakeEngine(),
            resolver=resolver or FakeResolver(),
            clock=clock,
        )
        made.append(service)
        return service

    yield build
    for service in made:
        await service.close()


@pytest.fixture
def local(site: Site, make_service: MakeService) -> ToolService:
    """A service allowed to reach the local content site and nothing else private."""
    return make_service(allow_hosts=(site.host,))
