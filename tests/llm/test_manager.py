"""Failover, retries, timeouts, cancellation, breaker and balancing against real fakes."""

from __future__ import annotations

import asyncio
import time
from contextlib import aclosing

import pytest

from server.llm import (
    BreakerPolicy,
    LLMManager,
    LLMRequestError,
    LLMUnavailable,
    Message,
    Prompt,
    ReplyDone,
    ReplyStarted,
    RetryPolicy,
    StreamInterrupted,
    TextDelta,
)
from server.llm.factory import provider_order
from tests.fakes.common import Drop, Fail, Garbage, Hang, Reply, rate_limited
from tests.fakes.openai_server import FakeOpenAIServer
from tests.support.llm_settings import CLOSED_PORT_URL, make_settings

FAST_RETRY = RetryPolicy(max_retries=1, base_delay=0.01, max_delay=0.02, max_retry_after=1.0)
QUESTION = Prompt(question="What does main() do?", system="You are a code assistant.")


def manager_for(retry=FAST_RETRY, breaker=None, **settings) -> LLMManager:
    return LLMManager.from_settings(
        make_settings(**settings), retry=retry, breaker=breaker or BreakerPolicy(5, 30.0)
    )


def local_then_openai(local: FakeOpenAIServer, remote: FakeOpenAIServer, **kw) -> LLMManager:
    return manager_for(
        llamacpp_server_url=local.url,
        openai_api_key="k",
        openai_base_url=f"{remote.url}/v1",
        **kw,
    )


async def run(manager: LLMManager, prompt: Prompt = QUESTION):
    """All events, or the error raised, plus the text the caller saw."""
    events = []
    try:
        async for event in manager.stream(prompt, session_id="s1"):
            events.append(event)
    except Exception as exc:  # the tests inspect it
        return events, exc
    return events, None


def text_of(events) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


async def test_order_default_is_configured_local_first():
    assert provider_order(make_settings()) == []
    both = make_settings(llamacpp_server_url="http://a", gemini_api_key="g", openai_api_key="o")
    assert provider_order(both) == ["llamacpp", "openai", "gemini"]
    compatible = make_settings(openai_base_url="http://localhost:1234/v1")
    assert provider_order(compatible) == ["openai"]
    explicit = make_settings(
        llamacpp_server_url="http://a", gemini_api_key="g", llm_providers="gemini,nope,openai"
    )
    assert provider_order(explicit) == ["gemini"]


async def test_happy_path_events_and_usage(fake_openai):
    fake_openai.reply_text = "main() parses args."
    manager = manager_for(llamacpp_server_url=fake_openai.url)
    events, error = await run(manager)
    await manager.aclose()
    assert error is None
    assert isinstance(events[0], ReplyStarted) and events[0].provider == "llamacpp"
    assert text_of(events) == "main() parses args."
    done = events[-1]
    assert isinstance(done, ReplyDone) and done.finish_reason == "stop"
    assert done.usage.prompt_tokens > 0 and done.budget.exact
    snapshot = manager.usage.snapshot()
    assert snapshot["providers"]["llamacpp"]["requests"] == 1
    assert snapshot["sessions"]["s1"]["completion_tokens"] == done.usage.completion_tokens


async def test_fails_over_in_order_on_5xx(fake_openai, fake_openai_2):
    fake_openai.push(Fail(500), Fail(502))
    fake_openai_2.reply_text = "from openai"
    manager = local_then_openai(fake_openai, fake_openai_2)
    events, error = await run(manager)
    await manager.aclose()
    assert error is None and text_of(events) == "from openai"
    assert events[-1].provider == "openai"
    assert (fake_openai.request_count, fake_openai_2.request_count) == (2, 1)  # 1 retry each
    assert manager.usage.snapshot()["providers"]["llamacpp"]["errors"] == 2


async def test_429_retry_after_is_honoured(fake_openai):
    fake_openai.push(rate_limited(0.3))
    manager = manager_for(llamacpp_server_url=fake_openai.url)
    started = time.monotonic()
    events, error = await run(manager)
    elapsed = time.monotonic() - started
    await manager.aclose()
    assert error is None and text_of(events) == fake_openai.reply_text
    assert fake_openai.request_count == 2
    assert elapsed >= 0.3


async def test_long_retry_after_fails_over_at_once(fake_openai, fake_openai_2):
    fake_openai.push(rate_limited(60))
    manager = local_then_openai(fake_openai, fake_openai_2)
    started = time.monotonic()
    events, error = await run(manager)
    second, _ = await run(manager)
    await manager.aclose()
    assert error is None and events[-1].provider == "openai"
    assert time.monotonic() - started < 5
    assert second[-1].provider == "openai"
    assert fake_openai.request_count == 1, "the rate-limited endpoint is skipped until then"


async def test_hang_before_first_token_times_out_and_fails_over(fake_openai, fake_openai_2):
    fake_openai.push(Hang(headers_sent=True), Hang(headers_sent=False))
    manager = local_then_openai(fake_openai, fake_openai_2, llm_first_token_timeout=0.3)
    events, error = await run(manager)
    await manager.aclose()
    assert error is None and events[-1].provider == "openai"
    assert await fake_openai.wait_for_disconnects(2), "both hung requests were abandoned"


async def test_garbage_before_text_fails_over(fake_openai, fake_openai_2):
    fake_openai.push(Garbage(), Garbage())
    manager = local_then_openai(fake_openai, fake_openai_2)
    events, error = await run(manager)
    await manager.aclose()
    assert error is None and events[-1].provider == "openai"


async def test_drop_mid_stream_never_duplicates_text(fake_openai, fake_openai_2):
    fake_openai.push(Drop(after_chunks=2))
    manager = local_then_openai(fake_openai, fake_openai_2)
    events, error = await run(manager)
    await manager.aclose()
    assert isinstance(error, StreamInterrupted)
    assert error.chars_sent == len(text_of(events)) == 10
    assert "broke off after 10 characters" in str(error)
    assert fake_openai.request_count == 1 and fake_openai_2.request_count == 0
    assert not any(isinstance(e, ReplyDone) for e in events)


async def test_idle_timeout_after_text_is_an_interruption(fake_openai, fake_openai_2):
    fake_openai.push(Hang(after_chunks=1))
    manager = local_then_openai(fake_openai, fake_openai_2, llm_idle_timeout=0.2)
    events, error = await run(manager)
    await manager.aclose()
    assert isinstance(error, StreamInterrupted) and "idle timeout" in str(error)
    assert fake_openai_2.request_count == 0
    assert await fake_openai.wait_for_disconnects(1)


async def test_total_timeout(fake_openai):
    fake_openai.push(Reply(delay=0.1))
    manager = manager_for(llamacpp_server_url=fake_openai.url, llm_total_timeout=0.35)
    events, error = await run(manager)
    await manager.aclose()
    assert isinstance(error, StreamInterrupted) and "total timeout" in str(error)


async def test_cancelling_the_task_closes_the_upstream_stream(fake_openai):
    fake_openai.push(Reply(text="x" * 200, chunk_chars=1, delay=0.02))
    manager = manager_for(llamacpp_server_url=fake_openai.url)
    got_text = asyncio.Event()

    async def consume():
        async for event in manager.stream(QUESTION):
            if isinstance(event, TextDelta):
                got_text.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(got_text.wait(), 2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await fake_openai.wait_for_disconnects(1, timeout=1.0)
    assert fake_openai.completed == 0
    assert manager.pools[0].endpoints[0].in_flight == 0
    await manager.aclose()


async def test_closing_the_iterator_closes_the_upstream_stream(fake_gemini):
    fake_gemini.push(Reply(text="y" * 100, chunk_chars=1, delay=0.02))
    manager = manager_for(gemini_api_key="test-key", gemini_base_url=fake_gemini.url)
    async with aclosing(manager.stream(QUESTION)) as events:
        async for event in events:
            if isinstance(event, TextDelta):
                break
    assert await fake_gemini.wait_for_disconnects(1, timeout=1.0)
    await manager.aclose()


async def test_circuit_breaker_opens_and_skips_the_endpoint(fake_openai, fake_openai_2):
    fake_openai.push(*[Fail(500)] * 10)
    manager = local_then_openai(
        fake_openai, fake_openai_2, retry=RetryPolicy(max_retries=0), breaker=BreakerPolicy(2, 60)
    )
    for _ in range(4):
        events, error = await run(manager)
        assert error is None and events[-1].provider == "openai"
    report = await manager.health_report()
    await manager.aclose()
    assert fake_openai.request_count == 2, "after 2 failures the breaker stops sending requests"
    assert report["llamacpp"].status == "degraded" and "circuit open" in report["llamacpp"].reason


async def test_breaker_half_open_trial_closes_it(fake_openai):
    fake_openai.push(Fail(500))
    manager = manager_for(
        llamacpp_server_url=fake_openai.url,
        retry=RetryPolicy(max_retries=0),
        breaker=BreakerPolicy(1, 0.2),
    )
    _, first = await run(manager)
    _, skipped = await run(manager)
    await asyncio.sleep(0.25)
    events, trial = await run(manager)
    await manager.aclose()
    assert isinstance(first, LLMUnavailable) and isinstance(skipped, LLMUnavailable)
    assert "circuit open" in str(skipped)
    assert trial is None and isinstance(events[-1], ReplyDone)
    assert manager.pools[0].endpoints[0].breaker.state == "closed"


async def test_least_in_flight_balancing(fake_openai, fake_openai_2):
    for fake in (fake_openai, fake_openai_2):
        fake.delay = 0.05
    manager = manager_for(llamacpp_server_url=f"{fake_openai.url},{fake_openai_2.url}")
    results = await asyncio.gather(*(run(manager) for _ in range(4)))
    await manager.aclose()
    assert all(error is None for _, error in results)
    assert (fake_openai.request_count, fake_openai_2.request_count) == (2, 2)


async def test_failed_endpoint_retry_goes_to_the_other_url(fake_openai, fake_openai_2):
    fake_openai.push(Fail(503))
    manager = manager_for(llamacpp_server_url=f"{fake_openai.url},{fake_openai_2.url}")
    events, error = await run(manager)
    await manager.aclose()
    assert error is None and events[-1].endpoint == fake_openai_2.url


async def test_exceed_context_learns_n_ctx_trims_and_retries_once():
    history = [
        Message("user" if i % 2 == 0 else "assistant", f"old turn {i} " * 20) for i in range(6)
    ]
    prompt = Prompt(question="and now?", system="sys", history=history)
    async with FakeOpenAIServer(n_ctx=150, props_n_ctx=8192) as fake:
        manager = manager_for(llamacpp_server_url=fake.url)
        events, error = await run(manager, prompt)
        await manager.aclose()
    assert error is None
    assert fake.request_count == 2
    done = events[-1]
    assert done.budget.window == 150 and done.budget.dropped_history > 0
    assert done.budget.prompt_tokens <= 150 - done.budget.reserve
    assert len(fake.requests[1]["messages"]) < len(fake.requests[0]["messages"])


async def test_nothing_configured_says_what_to_configure():
    manager = manager_for()
    _, error = await run(manager)
    health = await manager.health()
    assert isinstance(error, LLMUnavailable)
    assert "LLAMACPP_SERVER_URL" in str(error) and "OPENAI_API_KEY" in str(error)
    assert health.status == "unconfigured"


async def test_all_down_lists_what_was_tried():
    manager = manager_for(
        llamacpp_server_url=CLOSED_PORT_URL,
        openai_api_key="k",
        openai_base_url=f"{CLOSED_PORT_URL}/v1",
    )
    _, error = await run(manager)
    health = await manager.health()
    await manager.aclose()
    assert isinstance(error, LLMUnavailable)
    assert [a.provider for a in error.attempts] == ["llamacpp"] * 2 + ["openai"] * 2
    assert CLOSED_PORT_URL in str(error) and "GEMINI_API_KEY" in str(error)
    assert health.status == "down"


async def test_request_errors_do_not_fail_over(fake_openai, fake_openai_2):
    fake_openai.push(Fail(400, "unsupported parameter"))
    manager = local_then_openai(fake_openai, fake_openai_2)
    _, error = await run(manager)
    await manager.aclose()
    assert isinstance(error, LLMRequestError) and fake_openai_2.request_count == 0


async def test_health_degraded_when_local_is_loading(fake_openai, fake_openai_2):
    fake_openai.loading = True
    manager = local_then_openai(fake_openai, fake_openai_2)
    health = await manager.health()
    report = await manager.health_report()
    await manager.aclose()
    assert report["llamacpp"].status == "degraded" and report["openai"].status == "ok"
    assert report["gemini"].status == "unconfigured"
    assert health.status == "degraded" and "answering with openai" in health.reason


async def test_complete_collects_the_answer(fake_gemini):
    fake_gemini.reply_text = "complete answer"
    manager = manager_for(gemini_api_key="test-key", gemini_base_url=fake_gemini.url)
    result = await manager.complete(QUESTION, session_id="s2")
    await manager.aclose()
    assert result.text == "complete answer" and result.done.provider == "gemini"
    assert manager.usage.snapshot()["models"]["gemini/gemini-2.0-flash"]["requests"] == 1
