"""Fixtures every test package may use: the fake LLM servers, a tiny Python workspace and the
real REST app served on 127.0.0.1.

Helpers (environments, clients, harnesses) live in plain modules such as tests/support/;
conftest files hold only fixtures and pytest hooks (tests/test_layout.py checks this).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from server.http.app import create_app
from tests.fakes.fixtures import fake_gemini, fake_openai, fake_openai_2  # noqa: F401
from tests.support.http_app import Api, StartApi, open_services
from tests.support.sample_code import CALC, GEOMETRY


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Two small Python files and an empty tests/ folder."""
    root = tmp_path / "repo"
    (root / "tests").mkdir(parents=True)
    (root / "calc.py").write_text(CALC)
    (root / "geometry.py").write_text(GEOMETRY)
    return root


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
