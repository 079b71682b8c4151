"""Fixture: `start_api`, real apps served on 127.0.0.1 (helpers in tests/support/http_app.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from server.http.app import create_app
from tests.support.http_app import Api, StartApi, open_services


@pytest.fixture
async def start_api(tmp_path: Path) -> AsyncIterator[StartApi]:
    """`await start_api(AURO_HTTP_...="...", setup=fn(app))` -> a served app and its token."""
    started: list[Api] = []

    async def start(setup: Callable[[web.Application], None] | None = None, **env: str) -> Api:
        services = await open_services(tmp_path, **env)
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
