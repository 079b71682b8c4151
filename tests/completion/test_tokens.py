"""Context chunks costed with llama.cpp's `/tokenize` (the fake speaks its wire format):
exact counts, the cache, and the estimate with a note when the tokenizer is slow or down."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from server.completion.tokens import (
    RETRY_AFTER,
    SEPARATOR_TOKENS,
    TokenCounter,
    estimate,
)
from tests.fakes.common import fake_tokens
from tests.fakes.openai_server import FakeOpenAIServer

LOADED_HOST = 10.0  # seconds: where the test is not about the timeout, a busy host may be slow
TEXTS = ["geometry.py\ndef circle_area(radius):\n    return math.pi * radius ** 2", "b.py\nx = 1"]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


async def test_counts_come_from_the_servers_tokenizer_and_are_cached(
    fake_openai: FakeOpenAIServer, session: aiohttp.ClientSession
):
    counter = TokenCounter(timeout=LOADED_HOST)
    counted = await counter.count(session, fake_openai.url, TEXTS)
    assert counted.exact and counted.note is None
    assert counted.counts == [len(fake_tokens(t)) + SEPARATOR_TOKENS for t in TEXTS]
    assert counted.counts != [estimate(t) for t in TEXTS]  # not the estimate by chance
    assert fake_openai.tokenize_calls == 2
    again = await counter.count(session, fake_openai.url, [TEXTS[1], TEXTS[0], TEXTS[1]])
    assert again.counts == [counted.counts[1], counted.counts[0], counted.counts[1]]
    assert fake_openai.tokenize_calls == 2  # all from the cache


async def test_a_slow_tokenizer_falls_back_to_the_estimate_and_is_left_alone(
    fake_openai: FakeOpenAIServer, session: aiohttp.ClientSession
):
    clock = Clock()
    counter = TokenCounter(clock)  # the real timeout
    fake_openai.tokenize_delay = 5.0
    started = time.monotonic()
    counted = await counter.count(session, fake_openai.url, TEXTS)
    assert time.monotonic() - started < 2  # a completion never waits on the tokenizer
    assert not counted.exact and counted.counts == [estimate(t) for t in TEXTS]
    assert counted.note is not None and "no answer in time" in counted.note
    assert await fake_openai.wait_for_disconnects(2, timeout=2)  # the requests were closed
    calls = fake_openai.tokenize_calls

    fake_openai.tokenize_delay = 0.0
    clock.now += RETRY_AFTER / 2
    skipped = await counter.count(session, fake_openai.url, TEXTS)
    assert not skipped.exact and "failed recently" in (skipped.note or "")
    assert fake_openai.tokenize_calls == calls  # not asked while set aside
    clock.now += RETRY_AFTER
    counter.timeout = LOADED_HOST
    assert (await counter.count(session, fake_openai.url, TEXTS)).exact


async def test_a_loading_server_or_no_tokenizer_is_estimated(
    fake_openai: FakeOpenAIServer, session: aiohttp.ClientSession
):
    fake_openai.loading = True
    counted = await TokenCounter(timeout=LOADED_HOST).count(session, fake_openai.url, TEXTS)
    assert not counted.exact and "HTTP 503" in (counted.note or "")
    hosted = await TokenCounter().count(session, None, TEXTS)  # OpenAI-compatible: no route
    assert not hosted.exact and hosted.note is None
    assert hosted.counts == [estimate(t) for t in TEXTS]


async def test_the_fake_speaks_llama_servers_tokenize_options(fake_openai: FakeOpenAIServer):
    """`with_pieces` and `add_special`, as llama-server answers them."""
    fake_openai.add_bos = True
    async with aiohttp.ClientSession() as client:
        body = {"content": "def f(x):", "add_special": True, "with_pieces": True}
        async with client.post(f"{fake_openai.url}/tokenize", json=body) as response:
            tokens = (await response.json())["tokens"]
    assert [t["piece"] for t in tokens] == ["<s>", "def", " f(x):"]
    assert all(isinstance(t["id"], int) for t in tokens)
