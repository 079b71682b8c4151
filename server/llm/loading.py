"""Waiting for a server that is still loading its model.

llama-server answers every route but `/health` and `/v1/models` with HTTP 503 `Loading
model` for seconds to minutes after it starts. That is not a failure: the manager polls
`ready()` and reports progress, within `LoadPolicy.bound`; only past the bound does the
endpoint count as unavailable for this request (and its breaker is still left alone).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

from server.llm.errors import StillLoading
from server.llm.events import ModelLoading
from server.llm.policy import LoadPolicy
from server.llm.provider import LLMProvider


async def wait_until_ready(
    provider: LLMProvider, since: float, deadline: float, policy: LoadPolicy
) -> AsyncGenerator[ModelLoading, None]:
    """Yield a `ModelLoading` per poll until `provider.ready()`; raise a non-retryable
    `StillLoading` once `since + policy.bound` (or the answer's deadline) has passed."""
    loop = asyncio.get_running_loop()
    give_up = min(since + policy.bound, deadline)
    while True:
        now = loop.time()
        yield ModelLoading(provider.name, provider.endpoint, now - since, policy.bound)
        if now >= give_up:
            raise StillLoading(
                f"{provider.name} at {provider.endpoint}: the model was still loading after "
                f"{now - since:.0f}s (AURO_LLM_LOAD_WAIT={policy.bound:g}s); "
                "try again when it is ready",
                provider=provider.name,
                endpoint=provider.endpoint,
                status=503,
                retryable=False,
            )
        await asyncio.sleep(max(0.0, min(policy.poll, give_up - now)))
        try:
            async with asyncio.timeout(max(0.0, give_up - loop.time()) + policy.poll):
                if await provider.ready():
                    return
        except TimeoutError:
            continue
