"""OpenAI and OpenAI-compatible chat endpoints through the official `openai` SDK.

The SDK parses SSE; retries are off (`max_retries=0`) because the manager retries and fails
over. Closing the stream closes the HTTP response, so cancellation reaches the server.
"""

from __future__ import annotations

import email.utils
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

import openai
import pydantic
from openai import AsyncOpenAI

from server.health import ComponentHealth
from server.llm.errors import (
    ContextOverflow,
    LLMError,
    LLMRequestError,
    StillLoading,
    UpstreamError,
)
from server.llm.estimate import estimate_message_tokens
from server.llm.messages import (
    Completion,
    ImagePart,
    LLMRequest,
    Message,
    StreamEnd,
    StreamEvent,
    StreamOpened,
    TextDelta,
    TokenUsage,
)
from server.llm.model_info import DEFAULT_MAX_AGE, EndpointProbe, InfoCache, ModelInfo
from server.llm.policy import Timeouts

log = logging.getLogger(__name__)

DEFAULT_CONTEXT = 8192
OPENAI_HOST = "api.openai.com"
# Known windows by model-name prefix, longest prefix first; others fall back to
# what `/models` reports, then DEFAULT_CONTEXT.
KNOWN_CONTEXT = {
    "gpt-4.1": 1_047_576,
    "gpt-4o": 128_000,
    "gpt-4-turbo": 128_000,
    "gpt-5": 400_000,
    "gpt-4": 8_192,
    "gpt-3.5-turbo": 16_385,
    "o1": 200_000,
    "o3": 200_000,
    "o4": 200_000,
}
# Fields compatible servers use for the window in `/models` entries.
MODEL_WINDOW_FIELDS = ("max_model_len", "context_length", "context_window", "max_context_length")


def to_openai_message(message: Message) -> dict[str, Any]:
    if isinstance(message.content, str):
        return {"role": message.role, "content": message.content}
    parts: list[dict[str, Any]] = []
    for part in message.content:
        if isinstance(part, ImagePart):
            parts.append({"type": "image_url", "image_url": {"url": part.data_url()}})
        else:
            parts.append({"type": "text", "text": part.text})
    return {"role": message.role, "content": parts}


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from `retry-after-ms`, `Retry-After` seconds or `Retry-After` HTTP date."""
    if (ms := headers.get("retry-after-ms")) is not None:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def known_context(model: str) -> int | None:
    for prefix in sorted(KNOWN_CONTEXT, key=len, reverse=True):
        if model.startswith(prefix):
            return KNOWN_CONTEXT[prefix]
    return None


class OpenAICompatProvider:
    """One OpenAI-compatible endpoint (`base_url` ends in `/v1`)."""

    exact_tokens = False

    def __init__(
        self,
        *,
        endpoint: str,
        model: str,
        api_key: str,
        timeouts: Timeouts,
        name: str = "openai",
        info_max_age: float = DEFAULT_MAX_AGE,
        vision: bool | None = True,
    ) -> None:
        self.name = name
        self.vision = vision  # None: ask the server (llama.cpp's /props)
        self.endpoint = endpoint.rstrip("/")
        self.request_model = model  # the name sent in requests
        self.model = model  # the name reported; subclasses learn what the server runs
        self.timeouts = timeouts
        self._learned_context: int | None = None
        self._info = InfoCache(info_max_age)
        self._client = AsyncOpenAI(
            api_key=api_key or "no-key",
            base_url=self.endpoint,
            max_retries=0,
            timeout=openai.Timeout(
                timeouts.read_backstop, connect=timeouts.connect, pool=timeouts.connect
            ),
        )

    # -- chat -------------------------------------------------------------------
    @property
    def max_tokens_field(self) -> str:
        """OpenAI's own API takes `max_completion_tokens` (its reasoning models refuse
        `max_tokens`); compatible servers (vLLM, LM Studio, Ollama) know `max_tokens`."""
        return "max_completion_tokens" if OPENAI_HOST in self.endpoint else "max_tokens"

    def _arguments(self, request: LLMRequest) -> dict[str, Any]:
        arguments: dict[str, Any] = {
            "model": self.request_model,
            "messages": [to_openai_message(m) for m in request.messages],
        }
        if request.max_tokens is not None:
            arguments[self.max_tokens_field] = request.max_tokens
        if request.temperature is not None:
            arguments["temperature"] = request.temperature
        return arguments

    async def stream(self, request: LLMRequest) -> AsyncIterator[StreamEvent]:
        try:
            response = await self._client.chat.completions.create(
                **self._arguments(request), stream=True, stream_options={"include_usage": True}
            )
        except Exception as exc:
            raise self.map_error(exc) from exc
        usage = TokenUsage()
        finish: str | None = None
        try:
            yield StreamOpened()
            async for chunk in response:
                if chunk.usage is not None:
                    usage = TokenUsage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
                for choice in chunk.choices:
                    if choice.delta is not None and choice.delta.content:
                        yield TextDelta(choice.delta.content)
                    if choice.finish_reason:
                        finish = choice.finish_reason
        except LLMError:
            raise
        except Exception as exc:
            raise self.map_error(exc) from exc
        finally:
            await response.close()
        if finish is None:
            raise self.upstream("the stream ended before the model finished")
        yield StreamEnd(usage, finish)

    async def complete(self, request: LLMRequest) -> Completion:
        try:
            response = await self._client.chat.completions.create(
                **self._arguments(request), timeout=self.timeouts.total
            )
        except Exception as exc:
            raise self.map_error(exc) from exc
        if not response.choices:
            raise self.upstream("the response had no choices")
        choice = response.choices[0]
        usage = TokenUsage()
        if response.usage is not None:
            usage = TokenUsage(response.usage.prompt_tokens, response.usage.completion_tokens)
        return Completion(choice.message.content or "", usage, choice.finish_reason)

    # -- errors -----------------------------------------------------------------
    def upstream(self, message: str, **kwargs: Any) -> UpstreamError:
        return UpstreamError(
            f"{self.name} at {self.endpoint}: {message}",
            provider=self.name,
            endpoint=self.endpoint,
            **kwargs,
        )

    def map_error(self, exc: BaseException) -> LLMError:
        """Translate SDK and parsing errors into the layer's typed errors."""
        if isinstance(exc, openai.APIStatusError):
            return self._status_error(exc)
        if isinstance(exc, openai.APITimeoutError):
            return self.upstream("timed out")
        if isinstance(exc, openai.APIConnectionError):
            cause = exc.__cause__ or exc
            return self.upstream(f"connection error ({type(cause).__name__}: {cause})")
        if isinstance(exc, openai.APIError):
            return self.upstream(f"error in stream: {exc.message}")
        if isinstance(exc, json.JSONDecodeError | pydantic.ValidationError | ValueError):
            return self.upstream(f"malformed stream ({type(exc).__name__})")
        return self.upstream(f"unexpected {type(exc).__name__}: {exc}")

    def _status_error(self, exc: openai.APIStatusError) -> LLMError:
        status = exc.status_code
        body = exc.body if isinstance(exc.body, dict) else {}
        message = str(body.get("message") or exc.message)
        if status == 400 or status == 413:
            overflow = self._overflow(body, message)
            if overflow is not None:
                return overflow
            return LLMRequestError(f"{self.name} rejected the request: {message}")
        if status in (401, 403):
            return self.upstream(
                f"the API key was rejected (HTTP {status}); check the key for this provider",
                status=status,
                retryable=False,
            )
        if status == 404:
            return self.upstream(
                f"model {self.request_model!r} or the endpoint was not found (HTTP 404)",
                status=status,
                retryable=False,
            )
        if status == 429:
            return self.upstream(
                f"rate limited (HTTP 429): {message}",
                status=status,
                retry_after=parse_retry_after(exc.response.headers),
            )
        if status == 503 and "loading model" in message.lower():
            return StillLoading(
                f"{self.name} at {self.endpoint}: the model is still loading (HTTP 503)",
                provider=self.name,
                endpoint=self.endpoint,
                status=status,
            )
        if status >= 500 or status in (408, 409):
            return self.upstream(f"server error (HTTP {status}): {message}", status=status)
        return LLMRequestError(f"{self.name} rejected the request (HTTP {status}): {message}")

    def _overflow(self, body: dict[str, Any], message: str) -> ContextOverflow | None:
        kind = body.get("type")
        code = body.get("code")
        if kind == "exceed_context_size_error":
            return ContextOverflow(
                message,
                provider=self.name,
                n_prompt_tokens=body.get("n_prompt_tokens"),
                n_ctx=body.get("n_ctx"),
            )
        if code == "context_length_exceeded":
            window = re.search(r"maximum context length is (\d+)", message)
            return ContextOverflow(
                message,
                provider=self.name,
                n_prompt_tokens=None,
                n_ctx=int(window.group(1)) if window else None,
            )
        return None

    # -- tokens, window, health --------------------------------------------------
    async def count_tokens(self, messages: list[Message]) -> int:
        return estimate_message_tokens(messages)

    async def sees_images(self) -> bool | None:
        return self.vision

    def learn_context_size(self, n_ctx: int) -> None:
        self._learned_context = n_ctx

    def forget_model_info(self) -> None:
        """Re-read the window (and model) on next use: the server may have been restarted."""
        self._learned_context = None
        self._info.forget()

    async def context_size(self) -> int:
        if self._learned_context:
            return self._learned_context
        if (known := known_context(self.request_model)) is not None:
            return known
        if (info := self._info.fresh()) is None:
            window = await self._context_from_models()
            info = self._info.store(ModelInfo(self.model, window or DEFAULT_CONTEXT))
        return info.window or DEFAULT_CONTEXT

    async def _context_from_models(self) -> int | None:
        try:
            page = await self._client.models.list(timeout=self.timeouts.connect * 2)
        except openai.OpenAIError as exc:
            log.debug("%s: /models unavailable: %s", self.endpoint, exc)
            return None
        for entry in page.data:
            if entry.id != self.request_model and len(page.data) > 1:
                continue
            extra = {**(entry.model_extra or {}), **((entry.model_extra or {}).get("meta") or {})}
            for field in (*MODEL_WINDOW_FIELDS, "n_ctx", "n_ctx_train"):
                if isinstance(extra.get(field), int):
                    return int(extra[field])
        return None

    async def health(self) -> ComponentHealth:
        try:
            await self._client.models.list(timeout=self.timeouts.connect * 2)
        except Exception as exc:
            error = self.map_error(exc)
            if isinstance(error, UpstreamError) and error.status == 404:
                return ComponentHealth("ok", f"{self.endpoint} reachable (no /models listing)")
            return ComponentHealth("down", str(error))
        return ComponentHealth("ok", f"{self.model} at {self.endpoint}")

    async def ready(self) -> bool:
        """Whether a request would be served now (the manager polls this while loading)."""
        return (await self.health()).status == "ok"

    async def probe(self) -> EndpointProbe:
        health = await self.health()
        if health.status != "ok":
            return EndpointProbe(self.name, self.endpoint, "down", health.reason)
        info = ModelInfo(self.model, await self.context_size(), None)
        return EndpointProbe(self.name, self.endpoint, "ready", health.reason, info)

    async def aclose(self) -> None:
        await self._client.close()
