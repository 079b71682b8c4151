"""The contract every LLM backend implements; one instance talks to one endpoint (URL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol, runtime_checkable

from server.health import ComponentHealth
from server.llm.messages import Completion, LLMRequest, Message, StreamEvent


@runtime_checkable
class LLMProvider(Protocol):
    """A chat model behind one endpoint.

    `stream` yields `TextDelta`s then exactly one `StreamEnd`; errors are `UpstreamError`,
    `ContextOverflow` or `LLMRequestError`. Closing the iterator (or cancelling the task)
    closes the upstream HTTP stream at once.
    """

    name: str  # provider kind: "llamacpp", "openai", "gemini"
    endpoint: str  # base URL, used in errors, health and usage
    model: str

    def stream(self, request: LLMRequest) -> AsyncIterator[StreamEvent]: ...

    async def complete(self, request: LLMRequest) -> Completion: ...

    async def count_tokens(self, messages: list[Message]) -> int: ...

    @property
    def exact_tokens(self) -> bool:
        """True when `count_tokens` asks the model's own tokenizer."""
        ...

    async def health(self) -> ComponentHealth: ...

    async def context_size(self) -> int: ...

    def learn_context_size(self, n_ctx: int) -> None:
        """Remember the window a server reported in an overflow error."""
        ...

    async def aclose(self) -> None: ...
