"""Each provider against a real HTTP fake speaking its wire format."""

from __future__ import annotations

import base64

import pytest

from server.llm.errors import ContextOverflow, LLMRequestError, UpstreamError
from server.llm.gemini import GeminiProvider
from server.llm.llamacpp import LlamaCppProvider
from server.llm.messages import (
    ImagePart,
    LLMRequest,
    Message,
    StreamEnd,
    StreamOpened,
    TextDelta,
    TextPart,
)
from server.llm.openai_compat import OpenAICompatProvider, parse_retry_after
from server.llm.policy import Timeouts
from tests.fakes.common import Drop, Fail, Garbage, Reply, fake_tokens, rate_limited
from tests.fakes.openai_server import FakeOpenAIServer, apply_template
from tests.llm.conftest import CLOSED_PORT_URL

TIMEOUTS = Timeouts(connect=1.0, first_token=1.0, idle=0.5, total=5.0)
HELLO = LLMRequest([Message("system", "be brief"), Message("user", "hello there")])
PNG = b"\x89PNG\r\n\x1a\nfake"


def llama(url: str) -> LlamaCppProvider:
    return LlamaCppProvider(endpoint=url, model="local-model", timeouts=TIMEOUTS)


async def collect(provider, request=HELLO):
    return [event async for event in provider.stream(request)]


async def test_llamacpp_stream_skips_role_delta_and_ends_with_usage(fake_openai):
    fake_openai.reply_text = "Hello, world"
    provider = llama(fake_openai.url)
    events = await collect(provider)
    await provider.aclose()
    texts = [e.text for e in events if isinstance(e, TextDelta)]
    assert "".join(texts) == "Hello, world"
    assert all(texts), "the role-only delta (content null) must not produce a text event"
    end = events[-1]
    assert isinstance(end, StreamEnd) and end.finish_reason == "stop"
    assert end.usage.completion_tokens == len(texts)
    assert end.usage.prompt_tokens == len(
        fake_tokens(apply_template(fake_openai.requests[0]["messages"]))
    )
    sent = fake_openai.requests[0]
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}
    assert sent["model"] == "local-model"


async def test_openai_sends_images_as_data_url_parts(fake_openai):
    provider = OpenAICompatProvider(
        endpoint=f"{fake_openai.url}/v1", model="gpt-4o-mini", api_key="k", timeouts=TIMEOUTS
    )
    fake_openai.vision = True
    message = Message("user", (TextPart("what is this?"), ImagePart("image/png", PNG)))
    completion = await provider.complete(LLMRequest([message]))
    await provider.aclose()
    assert completion.text == fake_openai.reply_text
    parts = fake_openai.requests[0]["messages"][0]["content"]
    assert parts[0] == {"type": "text", "text": "what is this?"}
    url = parts[1]["image_url"]["url"]
    assert url == "data:image/png;base64," + base64.b64encode(PNG).decode()


async def test_openai_rejected_key_is_not_retryable():
    async with FakeOpenAIServer(api_key="right") as fake:
        provider = OpenAICompatProvider(
            endpoint=f"{fake.url}/v1", model="m", api_key="wrong", timeouts=TIMEOUTS
        )
        with pytest.raises(UpstreamError) as caught:
            await collect(provider)
        health = await provider.health()
        await provider.aclose()
    assert caught.value.status == 401 and not caught.value.retryable
    assert "API key was rejected" in str(caught.value)
    assert health.status == "down"


@pytest.mark.parametrize(
    ("behaviour", "status", "fragment"),
    [
        (Fail(500, "boom"), 500, "server error (HTTP 500)"),
        (Fail(503, "overloaded"), 503, "HTTP 503"),
        (rate_limited(7), 429, "rate limited"),
        (Drop(after_chunks=0), None, "connection error"),
        (Garbage(after_chunks=0), None, "malformed stream"),
    ],
)
async def test_llamacpp_failures_become_retryable_upstream_errors(
    fake_openai, behaviour, status, fragment
):
    fake_openai.push(behaviour)
    provider = llama(fake_openai.url)
    with pytest.raises(UpstreamError) as caught:
        await collect(provider)
    await provider.aclose()
    assert caught.value.retryable and caught.value.status == status
    assert fragment in str(caught.value)
    if status == 429:
        assert caught.value.retry_after == 7.0


async def test_llamacpp_reply_cut_by_a_limit_ends_with_length(fake_openai):
    fake_openai.push(Reply(text="cut short", finish_reason="length"))
    provider = llama(fake_openai.url)
    events = await collect(provider)
    await provider.aclose()
    assert isinstance(events[0], StreamOpened)
    assert isinstance(events[-1], StreamEnd) and events[-1].finish_reason == "length"
    assert events[-1].usage.completion_tokens > 0, "usage comes in the last chunk"


async def test_stream_without_finish_reason_is_an_error(fake_openai):
    """A stream cut cleanly after some text (no finish_reason, no [DONE]) is not an answer."""
    fake_openai.push(Garbage(after_chunks=2))
    provider = llama(fake_openai.url)
    received = []
    with pytest.raises(UpstreamError):
        async for event in provider.stream(HELLO):
            received.append(event)
    await provider.aclose()
    assert [type(e) for e in received] == [StreamOpened, TextDelta, TextDelta]


async def test_llamacpp_context_overflow_carries_n_ctx():
    async with FakeOpenAIServer(n_ctx=20) as fake:
        provider = llama(fake.url)
        with pytest.raises(ContextOverflow) as caught:
            await collect(provider, LLMRequest([Message("user", "word " * 50)]))
        await provider.aclose()
    assert caught.value.n_ctx == 20 and caught.value.n_prompt_tokens > 20


async def test_other_400_is_a_request_error(fake_openai):
    fake_openai.push(Fail(400, "bad temperature"))
    provider = llama(fake_openai.url)
    with pytest.raises(LLMRequestError, match="bad temperature"):
        await collect(provider)
    await provider.aclose()


async def test_llamacpp_counts_exactly_and_reads_window():
    async with FakeOpenAIServer(props_n_ctx=2048) as fake:
        provider = llama(fake.url)
        messages = [Message("system", "you help"), Message("user", "count these five words")]
        count = await provider.count_tokens(messages)
        window = await provider.context_size()
        provider.learn_context_size(512)
        learned = await provider.context_size()
        await provider.aclose()
    wire = [{"role": m.role, "content": m.text()} for m in messages]
    assert count == len(fake_tokens(apply_template(wire)))
    assert fake.tokenize_calls == 1
    assert (window, learned) == (2048, 512)


async def test_llamacpp_health_ok_loading_and_down():
    async with FakeOpenAIServer() as fake:
        provider = llama(fake.url)
        ok = await provider.health()
        fake.loading = True
        loading = await provider.health()
        await provider.aclose()
    down_provider = llama(CLOSED_PORT_URL)
    down = await down_provider.health()
    await down_provider.aclose()
    assert ok.status == "ok"
    assert loading.status == "degraded" and "loading" in loading.reason
    assert down.status == "down" and "unreachable" in down.reason


def test_retry_after_forms():
    assert parse_retry_after({"retry-after": "3"}) == 3.0
    assert parse_retry_after({"retry-after-ms": "250"}) == 0.25
    assert parse_retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert parse_retry_after({}) is None


# -- Gemini ---------------------------------------------------------------------------


def gemini(url: str, key: str = "test-key") -> GeminiProvider:
    return GeminiProvider(endpoint=url, model="gemini-fake", api_key=key, timeouts=TIMEOUTS)


async def test_gemini_streams_text_and_usage(fake_gemini):
    fake_gemini.reply_text = "Gemini says hi"
    provider = gemini(fake_gemini.url)
    message = Message("user", (TextPart("look"), ImagePart("image/png", PNG)))
    events = await collect(provider, LLMRequest([Message("system", "be kind"), message]))
    await provider.aclose()
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Gemini says hi"
    end = events[-1]
    assert isinstance(end, StreamEnd) and end.finish_reason == "stop"
    assert end.usage.completion_tokens == 3 and end.usage.prompt_tokens > 0
    body = fake_gemini.requests[0]
    assert body["systemInstruction"]["parts"][0]["text"] == "be kind"
    inline = body["contents"][0]["parts"][1]["inlineData"]
    assert inline == {"mimeType": "image/png", "data": base64.b64encode(PNG).decode()}


async def test_gemini_errors(fake_gemini):
    fake_gemini.push(rate_limited(2), Fail(500), Drop(after_chunks=1))
    provider = gemini(fake_gemini.url)
    errors = []
    for _ in range(3):
        with pytest.raises(UpstreamError) as caught:
            await collect(provider)
        errors.append(caught.value)
    bad_key = gemini(fake_gemini.url, key="wrong")
    with pytest.raises(UpstreamError) as rejected:
        await bad_key.complete(HELLO)
    for p in (provider, bad_key):
        await p.aclose()
    assert [e.status for e in errors] == [429, 500, None]
    assert errors[0].retry_after == 2.0
    assert all(e.retryable for e in errors)
    assert not rejected.value.retryable and "GEMINI_API_KEY" in str(rejected.value)


async def test_gemini_complete_health_and_window(fake_gemini):
    fake_gemini.input_token_limit = 12345
    provider = gemini(fake_gemini.url)
    completion = await provider.complete(HELLO)
    health = await provider.health()
    window = await provider.context_size()
    await provider.aclose()
    assert completion.text == fake_gemini.reply_text and completion.usage.prompt_tokens > 0
    assert health.status == "ok" and window == 12345


async def test_custom_reply_chunking(fake_openai):
    fake_openai.push(Reply(text="abcdefgh", chunk_chars=3))
    provider = llama(fake_openai.url)
    events = await collect(provider)
    await provider.aclose()
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["abc", "def", "gh"]
