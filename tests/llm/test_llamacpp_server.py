"""The LLM layer against llama-server's real behaviours (issue 15): a model that is still
loading, usage of unfinished turns, a window and model that change under a running server."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from server.http.metrics import Metrics
from server.llm import (
    BreakerPolicy,
    LLMManager,
    LLMUnavailable,
    LoadPolicy,
    Message,
    ModelLoading,
    Prompt,
    ReplyDone,
    ReplyStarted,
    RetryPolicy,
    StreamInterrupted,
    TextDelta,
)
from server.llm.llamacpp import LlamaCppProvider
from server.llm.policy import Timeouts
from tests.fakes.common import Drop, Fail, Hang, Reply, fake_tokens
from tests.fakes.openai_server import FakeOpenAIServer, apply_template
from tests.support.llm_settings import make_settings

RETRY = RetryPolicy(max_retries=1, base_delay=0.01, max_delay=0.02, max_retry_after=1.0)
QUESTION = Prompt(question="What does main() do?", system="You are a code assistant.")
GGUF = "/srv/models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"


def manager(load_bound: float = 5.0, retry: RetryPolicy = RETRY, **settings) -> LLMManager:
    return LLMManager.from_settings(
        make_settings(**settings),
        retry=retry,
        breaker=BreakerPolicy(2, 30.0),
        load=LoadPolicy(bound=load_bound, poll=0.05),
    )


async def run(llm: LLMManager, session_id: str = "s1"):
    events = []
    try:
        async for event in llm.stream(QUESTION, session_id=session_id):
            events.append(event)
    except Exception as exc:  # the tests inspect it
        return events, exc
    return events, None


def exact_prompt_tokens(fake: FakeOpenAIServer) -> int:
    """What llama-server counts for the prompt it was sent (the fake's template + tokenizer)."""
    return len(fake_tokens(apply_template(fake.requests[-1]["messages"])))


# -- 1. a model that is still loading -------------------------------------------------


async def test_loading_model_is_waited_for_with_progress_and_no_breaker_trip():
    async with FakeOpenAIServer(model_path=GGUF, props_n_ctx=2048, loading=True) as fake:
        llm = manager(llamacpp_server_url=fake.url)
        answer = asyncio.create_task(run(llm))
        while not fake.loading_refusals:  # the chat request got llama-server's 503
            await asyncio.sleep(0.01)
        fake.load_for(0.3)
        events, error = await answer
        endpoint = llm.pools[0].endpoints[0]
        await llm.aclose()
    assert error is None, error
    loading = [e for e in events if isinstance(e, ModelLoading)]
    assert loading, "the wait is reported, not silent"
    assert loading[0].bound_s == 5.0 and loading[-1].elapsed_s >= loading[0].elapsed_s
    assert loading[0].to_json()["endpoint"] == fake.url
    assert fake.loading_refusals == 1, "one 503, then the wait is on /health, not on chat"
    assert fake.health_calls >= 2
    assert isinstance(events[-1], ReplyDone) and events[-1].budget.window == 2048
    assert endpoint.breaker.failures == 0 and endpoint.breaker.state == "closed"


async def test_loading_past_the_bound_fails_over_without_tripping_the_breaker():
    async with FakeOpenAIServer(loading=True) as local, FakeOpenAIServer() as remote:
        llm = manager(
            load_bound=0.3,
            llamacpp_server_url=local.url,
            openai_api_key="k",
            openai_base_url=f"{remote.url}/v1",
        )
        events, error = await run(llm)
        endpoint = llm.pools[0].endpoints[0]
        await llm.aclose()
    assert error is None and events[-1].provider == "openai"
    assert any(isinstance(e, ModelLoading) for e in events)
    assert endpoint.breaker.failures == 0 and endpoint.available()


async def test_loading_past_the_bound_alone_says_so_and_a_loaded_model_answers_at_once():
    async with FakeOpenAIServer(loading=True) as fake:
        llm = manager(load_bound=0.2, llamacpp_server_url=fake.url)
        _, first = await run(llm)
        _, second = await run(llm)
        fake.loading = False
        events, third = await run(llm)
        await llm.aclose()
    assert isinstance(first, LLMUnavailable) and "still loading" in str(first)
    assert "AURO_LLM_LOAD_WAIT" in str(first)
    assert isinstance(second, LLMUnavailable) and "circuit open" not in str(second)
    assert third is None and isinstance(events[-1], ReplyDone)


async def test_a_loading_endpoint_is_skipped_when_a_sibling_is_ready():
    async with FakeOpenAIServer(loading=True) as loading, FakeOpenAIServer() as ready:
        llm = manager(
            retry=RetryPolicy(max_retries=0), llamacpp_server_url=f"{loading.url},{ready.url}"
        )
        for _ in range(2):
            events, error = await run(llm)
            assert error is None and events[-1].endpoint == ready.url
            assert not any(isinstance(e, ModelLoading) for e in events)
        breakers = [e.breaker.failures for e in llm.pools[0].endpoints]
        await llm.aclose()
    assert breakers == [0, 0]
    assert llm.usage.snapshot()["totals"]["errors"] == 0, "waiting to load is no error"


# -- 3. every turn that reached a server is counted -----------------------------------------


async def test_completed_turn_uses_the_servers_own_counts_from_the_last_chunk(fake_openai):
    llm = manager(llamacpp_server_url=fake_openai.url)
    events, _ = await run(llm)
    await llm.aclose()
    done = events[-1]
    assert isinstance(done, ReplyDone) and done.usage.estimated is False
    assert done.usage.prompt_tokens == exact_prompt_tokens(fake_openai)
    totals = llm.usage.snapshot()["totals"]
    assert (totals["requests"], totals["completed"], totals["estimated"]) == (1, 1, 0)


async def test_cancelled_turn_is_counted_with_estimated_tokens(fake_openai):
    fake_openai.push(Reply(text="word " * 100, chunk_chars=5, delay=0.02))
    llm = manager(llamacpp_server_url=fake_openai.url)
    got_text = asyncio.Event()

    async def consume():
        async for event in llm.stream(QUESTION, session_id="s1"):
            if isinstance(event, TextDelta):
                got_text.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(got_text.wait(), 2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await llm.aclose()
    snapshot = llm.usage.snapshot()
    totals = snapshot["totals"]
    assert totals["requests"] == 1 and totals["cancelled"] == 1 and totals["estimated"] == 1
    assert totals["prompt_tokens"] == exact_prompt_tokens(fake_openai)
    assert totals["completion_tokens"] > 0
    assert snapshot["sessions"]["s1"]["requests"] == 1


async def test_cancelled_before_the_first_token_still_counts_the_prompt(fake_openai):
    fake_openai.push(Hang(headers_sent=False))  # llama-server answers after prompt processing
    llm = manager(llamacpp_server_url=fake_openai.url)
    task = asyncio.create_task(run(llm))
    while fake_openai.request_count == 0:
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await llm.aclose()
    totals = llm.usage.snapshot()["totals"]
    assert totals["requests"] == 1 and totals["cancelled"] == 1
    assert totals["prompt_tokens"] == exact_prompt_tokens(fake_openai)
    assert totals["completion_tokens"] == 0


async def test_broken_off_turn_is_counted_and_a_refused_one_is_not(fake_openai):
    fake_openai.push(Drop(after_chunks=2), Fail(500))
    llm = manager(llamacpp_server_url=fake_openai.url)
    _, broken = await run(llm)
    _, refused = await run(llm)
    await llm.aclose()
    assert isinstance(broken, StreamInterrupted) and isinstance(refused, LLMUnavailable)
    totals = llm.usage.snapshot()["totals"]
    assert totals["requests"] == 1, "HTTP 500 answers cost the server nothing"
    assert totals["estimated"] == 1 and totals["cancelled"] == 0 and totals["errors"] == 2
    assert totals["completion_tokens"] > 0


# -- 4. window and model re-read -------------------------------------------------------------


async def test_window_and_model_are_reread_on_a_timer():
    timeouts = Timeouts(connect=1.0, first_token=1.0, idle=0.5, total=5.0)
    async with FakeOpenAIServer(model_path=GGUF, props_n_ctx=1024) as fake:
        provider = LlamaCppProvider(
            endpoint=fake.url, model="local-model", timeouts=timeouts, info_max_age=0.3
        )
        before = await provider.context_size()
        fake.props_n_ctx, fake.model_path = 4096, "/srv/models/bigger-model-q8_0.gguf"
        cached = await provider.context_size()
        await asyncio.sleep(0.35)
        after = await provider.context_size()
        await provider.aclose()
    assert (before, cached, after) == (1024, 1024, 4096)
    assert provider.model == "bigger-model-q8_0.gguf"


async def test_a_window_guessed_while_loading_is_not_kept():
    timeouts = Timeouts(connect=1.0, first_token=1.0, idle=0.5, total=5.0)
    async with FakeOpenAIServer(model_path=GGUF, props_n_ctx=2048, loading=True) as fake:
        provider = LlamaCppProvider(endpoint=fake.url, model="local-model", timeouts=timeouts)
        while_loading = await provider.context_size()  # /props answers 503: a default
        fake.loading = False
        loaded = await provider.context_size()
        await provider.aclose()
    assert (while_loading, loaded) == (8192, 2048)


async def test_window_is_reread_when_the_endpoint_recovers_from_a_failure():
    async with FakeOpenAIServer(props_n_ctx=1024) as fake:
        llm = manager(llamacpp_server_url=fake.url, llm_model_refresh=300)
        events, _ = await run(llm)
        first_window = events[-1].budget.window
        fake.props_n_ctx = 4096  # llama-server restarted with a larger -c
        same, _ = await run(llm)
        fake.push(Fail(500))  # the retry after this failure is the recovery
        recovered, error = await run(llm)
        await llm.aclose()
    assert first_window == 1024 and same[-1].budget.window == 1024
    assert error is None and recovered[-1].budget.window == 4096


async def test_overflow_corrects_the_window_at_once_then_a_reread_replaces_it():
    async with FakeOpenAIServer(n_ctx=150, props_n_ctx=8192) as fake:
        llm = manager(llamacpp_server_url=fake.url, llm_model_refresh=300)
        history = [
            Message("user" if i % 2 == 0 else "assistant", f"old turn {i} " * 20) for i in range(6)
        ]
        long = Prompt(question="and now?", system="sys", history=history)
        events = [e async for e in llm.stream(long)]
        provider = llm.pools[0].endpoints[0].provider
        learned = await provider.context_size()
        fake.n_ctx = fake.props_n_ctx = 8192
        provider.forget_model_info()
        reread = await provider.context_size()
        await llm.aclose()
    assert events[-1].budget.window == 150 and learned == 150
    assert reread == 8192


# -- 5. the model the server runs is what is reported ----------------------------------------


async def test_reported_model_is_the_servers_own_id_everywhere():
    async with FakeOpenAIServer(model_path=GGUF) as fake:
        llm = manager(llamacpp_server_url=fake.url)
        events, _ = await run(llm)
        health = await llm.health()
        fake.model_alias = "coder"
        llm.pools[0].endpoints[0].provider.forget_model_info()
        aliased, _ = await run(llm)
        await llm.aclose()
    name = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
    started = next(e for e in events if isinstance(e, ReplyStarted))
    assert started.model == name and events[-1].model == name
    assert fake.requests[0]["model"] == "local-model", "the configured name is still sent"
    assert name in health.reason and "window" in health.reason
    assert aliased[-1].model == "coder"
    assert set(llm.usage.snapshot()["models"]) == {f"llamacpp/{name}", "llamacpp/coder"}
    scrape = Metrics(SimpleNamespace(llm=llm, workspaces=[])).render().decode()
    assert f'auro_llm_model_requests_total{{model="{name}",provider="llamacpp"}} 1.0' in scrape
