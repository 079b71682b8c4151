"""The contract every LLM backend implements; one instance talks to one endpoint (URL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol, runtime_checkable

from server.health import ComponentHealth
from server.llm.messages import Completion, LLMRequest, Message, StreamEvent
from server.llm.model_info import EndpointProbe


@runtime_checkable
class LLMProvider(Protocol):
    """A chat model behind one endpoint.

    `stream` yields `StreamOpened` once the server accepted the request, `TextDelta`s, then
    exactly one `StreamEnd`; errors are `UpstreamError` (`StillLoading` while the model
    loads), `ContextOverflow` or `LLMRequestError`. Closing the iterator (or cancelling the task)
    closes the upstream HTTP stream at once.
    """

    name: str  # provider kind: "llamacpp", "openai", "gemini"
    endpoint: str  # base URL, used in errors, health and usage
    model: str  # what the server reports it runs, once known; else the configured name

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

    def forget_model_info(self) -> None:
        """Re-read window and model id on next use (after a failure or a model load)."""
        ...

    async def ready(self) -> bool:
        """Whether the server would answer now (polled while its model loads)."""
        ...

    async def sees_images(self) -> bool | None:
        """Whether the model takes image parts: a setting, or what the server says;
        None when neither tells."""
        ...

    async def probe(self) -> EndpointProbe:
        """Reachable, loading or ready, with model id, window and vision when known."""
        ...

    async def aclose(self) -> None: ...
