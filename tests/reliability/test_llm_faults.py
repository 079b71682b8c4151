"""Fault matrix of the LLM layer: every fault ends in failover or a clear error, never a hang.

Each case runs under a hard `asyncio.timeout`; direct through LLMManager (primary faulty,
secondary healthy -> failover; primary alone -> clear error), and a few through the real
server's `auro/chat`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from server.llm import BreakerPolicy, LLMError, LLMManager, Message, Prompt, RetryPolicy, TextDelta
from tests.fakes.common import Behaviour, Fail, Garbage, Hang, Reply, rate_limited
from tests.fakes.openai_server import FakeOpenAIServer
from tests.reliability.figures import record
from tests.support.llm_settings import CLOSED_PORT_URL, make_settings
from tests.support.lsp_harness import lsp_session, server_env

RETRY = RetryPolicy(max_retries=1, base_delay=0.01, max_delay=0.02, max_retry_after=1.0)
TIMEOUTS = {
    "llm_connect_timeout": 1.0,
    "llm_first_token_timeout": 1.0,
    "llm_idle_timeout": 0.5,
    "llm_total_timeout": 8.0,
}
# worst case per provider: (1 + retries) x first-token timeout, plus slack
HARD_LIMIT = 10.0
QUESTION = Prompt(question="What does main() do?", system="You are a code assistant.")
LONG_HISTORY = Prompt(
    question="and now? " * 30,
    system="sys",
    history=[Message("user" if i % 2 == 0 else "assistant", f"turn {i} " * 40) for i in range(6)],
)

# name -> (behaviours pushed to the faulty fake, its constructor kwargs, prompt)
FAULTS: dict[str, tuple[list[Behaviour], dict[str, Any], Prompt]] = {
    "down": ([], {}, QUESTION),
    "slow_first_token": ([Reply(delay=3.0), Reply(delay=3.0)], {}, QUESTION),
    "hang_before_headers": ([Hang(headers_sent=False), Hang(headers_sent=False)], {}, QUESTION),
    "stall_mid_stream": ([Hang(after_chunks=2)], {}, QUESTION),
    "http_500": ([Fail(500), Fail(500)], {}, QUESTION),
    "http_429_retry_after": ([rate_limited(0.3)], {}, QUESTION),
    "http_429_long_retry_after": ([rate_limited(120)], {}, QUESTION),
    "garbage_stream": ([Garbage(), Garbage()], {}, QUESTION),
    # /props claims a big window, the server enforces 40 tokens (llama-server's HTTP 400)
    "context_exceeded": ([], {"n_ctx": 40, "props_n_ctx": 8192}, LONG_HISTORY),
}


async def run_case(manager: LLMManager, prompt: Prompt) -> tuple[str, str | None, float]:
    started = time.monotonic()
    text: list[str] = []
    error: str | None = None
    async with asyncio.timeout(HARD_LIMIT):
        try:
            async for event in manager.stream(prompt, session_id="fault"):
                if isinstance(event, TextDelta):
                    text.append(event.text)
        except LLMError as exc:
            error = f"{type(exc).__name__}: {exc}"
    return "".join(text), error, time.monotonic() - started


def manager(primary: str, secondary: str | None) -> LLMManager:
    values: dict[str, Any] = {"llamacpp_server_url": primary, **TIMEOUTS}
    if secondary:
        values.update(openai_api_key="k", openai_base_url=f"{secondary}/v1")
    return LLMManager.from_settings(
        make_settings(**values), retry=RETRY, breaker=BreakerPolicy(5, 30.0)
    )


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("with_fallback", [True, False], ids=["failover", "alone"])
async def test_fault_ends_in_failover_or_clear_error(fault: str, with_fallback: bool) -> None:
    behaviours, options, prompt = FAULTS[fault]
    async with FakeOpenAIServer(**options) as faulty, FakeOpenAIServer() as healthy:
        faulty.push(*behaviours)
        healthy.reply_text = "answer from the fallback"
        primary = CLOSED_PORT_URL if fault == "down" else faulty.url
        llm = manager(primary, healthy.url if with_fallback else None)
        try:
            text, error, seconds = await run_case(llm, prompt)
        finally:
            await llm.aclose()
    outcome = "answered" if error is None else error.split(":")[0]
    record(
        "llm_fault",
        {
            "fault": fault,
            "mode": "failover" if with_fallback else "alone",
            "outcome": outcome,
            "seconds": round(seconds, 2),
            "error": (error or "")[:160],
        },
    )
    assert seconds < HARD_LIMIT
    if error is not None:
        assert len(error) > 20, "the error says what happened"
    if fault == "stall_mid_stream":
        # text was already streamed: no failover (it would duplicate text), a clear interruption
        assert error is not None and "StreamInterrupted" in error
        return
    if fault == "context_exceeded":
        # the question alone does not fit: an answer after trimming/failover or a clear error
        assert error is None or "window" in error or "context" in error, error
        return
    if with_fallback or fault == "http_429_retry_after":
        assert error is None and text, f"{fault}: expected an answer, got {error}"
    else:
        assert error is not None, f"{fault}: expected a clear error"


# -- through the real server's auro/chat --------------------------------------------------
SERVER_CASES: dict[str, Callable[[], list[Behaviour]]] = {
    "hang_before_headers": lambda: [Hang(headers_sent=False)],
    "http_500": lambda: [Fail(500)],
    "garbage_stream": lambda: [Garbage()],
    "stall_mid_stream": lambda: [Hang(after_chunks=2)],
    "http_429_long_retry_after": lambda: [rate_limited(120)],
}


async def test_faults_through_auro_chat(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "main.py").write_text("def main():\n    return 1\n")
    async with FakeOpenAIServer() as fake:
        env = server_env(
            tmp_path / "data",
            OPENAI_BASE_URL=f"{fake.url}/v1",
            OPENAI_API_KEY="test",
            AURO_LLM_PROVIDERS="openai",
            AURO_LLM_MAX_RETRIES="0",
            AURO_LLM_FIRST_TOKEN_TIMEOUT="1",
            AURO_LLM_IDLE_TIMEOUT="0.5",
            AURO_LLM_CONNECT_TIMEOUT="1",
            AURO_LLM_TOTAL_TIMEOUT="8",
            AURO_HTTP_ENABLED="false",
        )
        async with lsp_session(env, [root]) as (client, _):
            for name, behaviours in SERVER_CASES.items():
                fake.push(*behaviours())
                started = time.monotonic()
                async with asyncio.timeout(HARD_LIMIT + 5):
                    reply = await client.protocol.send_request_async(
                        "auro/chat", {"message": f"case {name}", "includeRag": False}
                    )
                seconds = time.monotonic() - started
                record(
                    "llm_fault_lsp",
                    {
                        "fault": name,
                        "status": reply.status,
                        "seconds": round(seconds, 2),
                        "error": str(reply.error)[:160],
                    },
                )
                assert reply.status != "completed" and reply.error, (name, reply)
                # and the next chat answers normally (which also keeps the breaker closed)
                reply = await client.protocol.send_request_async(
                    "auro/chat", {"message": "healthy again", "includeRag": False}
                )
                assert reply.status == "completed" and reply.text == fake.reply_text, (name, reply)
