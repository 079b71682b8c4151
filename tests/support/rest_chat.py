"""The real sidecar serving chat against the fake LLM, and the `data:` payloads of its
Server-Sent Events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from aiohttp import ClientSession

from server.config import Settings
from server.http.sidecar import Sidecar
from server.services import Services
from tests.fakes.openai_server import FakeOpenAIServer


def chat_settings(fake: FakeOpenAIServer, data_dir: Path, **overrides: object) -> Settings:
    """The fake as the only LLM, no retries, no token; `overrides` are Settings fields."""
    return Settings.model_validate(
        {
            "data_dir": str(data_dir),
            "llamacpp_server_url": "",
            "gemini_api_key": "",
            "openai_api_key": "test",
            "openai_base_url": f"{fake.url}/v1",
            "llm_max_retries": 0,
            "http_auth": False,
            **overrides,
        }
    )


@asynccontextmanager
async def served_chat(
    fake: FakeOpenAIServer, data_dir: Path, **overrides: object
) -> AsyncIterator[tuple[ClientSession, Services]]:
    """The real sidecar on 127.0.0.1 (the production runner: handlers are not cancelled when
    a client leaves) over `chat_settings`, with a client bound to it and the services."""
    services = await Services.open(chat_settings(fake, data_dir, **overrides))
    sidecar = Sidecar(services)
    address = await sidecar.start("127.0.0.1", 0)
    client = ClientSession(base_url=address.url)
    try:
        yield client, services
    finally:
        await client.close()
        await sidecar.stop()
        await services.close()


async def events(response) -> AsyncIterator[str]:
    """The `data:` payloads of a Server-Sent Events body, as they arrive."""
    async for raw in response.content:
        line = raw.decode().strip()
        if line.startswith("data: "):
            yield line[len("data: ") :]
