"""Fixtures of the MCP tests: a local web site for `fetch_url` (nothing leaves 127.0.0.1)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from tests.tools.local_web import content_app


@pytest.fixture
async def local_site() -> AsyncIterator[str]:
    """`127.0.0.1:PORT` serving tests/tools/local_web.py's pages (`/page`, `/text`, ...)."""
    runner = web.AppRunner(content_app(), shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()
