"""The phase timeouts of one streamed answer: first token, between tokens, whole answer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from server.llm.errors import ReplyTimeout
from server.llm.messages import StreamEvent
from server.llm.policy import Timeouts
from server.llm.provider import LLMProvider


async def next_event(
    provider: LLMProvider,
    events: AsyncIterator[StreamEvent],
    timeouts: Timeouts,
    sent: list[str],
    deadline: float,
) -> StreamEvent | None:
    """The next event, under the first-token (nothing `sent` yet), idle or total timeout;
    None at the end of the stream."""
    phase, label = (
        (timeouts.idle, "idle timeout") if sent else (timeouts.first_token, "first-token timeout")
    )
    remaining = deadline - asyncio.get_running_loop().time()
    if remaining < phase:
        phase, label = max(0.0, remaining), "total timeout"
    try:
        async with asyncio.timeout(phase):
            return await anext(events)
    except StopAsyncIteration:
        return None
    except TimeoutError as exc:
        raise ReplyTimeout(
            f"{provider.name} at {provider.endpoint}: no text for {phase:.1f}s ({label})",
            provider=provider.name,
            endpoint=provider.endpoint,
        ) from exc
