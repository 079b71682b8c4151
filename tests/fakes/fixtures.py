"""Pytest fixtures for the fake LLM servers.

tests/conftest.py imports them, so every test may ask for `fake_openai`, `fake_openai_2` or
`fake_gemini`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.gemini_server import FakeGeminiServer
from tests.fakes.openai_server import FakeOpenAIServer


@pytest.fixture
async def fake_openai() -> AsyncIterator[FakeOpenAIServer]:
    """An OpenAI-compatible / llama-server fake on 127.0.0.1, fresh per test."""
    async with FakeOpenAIServer() as server:
        yield server


@pytest.fixture
async def fake_openai_2() -> AsyncIterator[FakeOpenAIServer]:
    """A second, independent OpenAI-compatible fake (failover and balancing tests)."""
    async with FakeOpenAIServer() as server:
        yield server


@pytest.fixture
async def fake_gemini() -> AsyncIterator[FakeGeminiServer]:
    """A Gemini API fake on 127.0.0.1 that requires the key `test-key`."""
    async with FakeGeminiServer(api_key="test-key") as server:
        yield server
