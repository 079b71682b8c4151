"""Google Gemini through the `google-genai` SDK (its aiohttp transport), streaming.

`GEMINI_BASE_URL` is passed as the SDK's base URL so tests can point it at a local fake.
The SDK does not retry by default, which leaves retries and failover to the manager.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pydantic
from google import genai
from google.genai import errors, types

from server.health import ComponentHealth
from server.llm.errors import LLMError, LLMRequestError, UpstreamError
from server.llm.estimate import estimate_message_tokens
from server.llm.messages import (
    Completion,
    ImagePart,
    LLMRequest,
    Message,
    StreamEnd,
    StreamEvent,
    TextDelta,
    TokenUsage,
)
from server.llm.openai_compat import parse_retry_after
from server.llm.policy import Timeouts

log = logging.getLogger(__name__)

API_VERSION = "v1beta"
DEFAULT_CONTEXT = 32_768


def to_gemini_contents(messages: list[Message]) -> tuple[str | None, list[types.Content]]:
    """System messages become the system instruction; `assistant` is Gemini's `model`."""
    system = "\n\n".join(m.text() for m in messages if m.role == "system") or None
    contents: list[types.Content] = []
    for message in messages:
        if message.role == "system":
            continue
        parts: list[types.Part] = []
        if isinstance(message.content, str):
            parts.append(types.Part(text=message.content))
        else:
            for part in message.content:
                if isinstance(part, ImagePart):
                    blob = types.Blob(mime_type=part.mime_type, data=part.data)
                    parts.append(types.Part(inline_data=blob))
                else:
                    parts.append(types.Part(text=part.text))
        contents.append(
            types.Content(role="model" if message.role == "assistant" else "user", parts=parts)
        )
    return system, contents


def usage_of(metadata: types.GenerateContentResponseUsageMetadata | None) -> TokenUsage | None:
    if metadata is None:
        return None
    return TokenUsage(metadata.prompt_token_count or 0, metadata.candidates_token_count or 0)


class GeminiProvider:
    """One Gemini API endpoint and model."""

    name = "gemini"
    exact_tokens = False

    def __init__(self, *, endpoint: str, model: str, api_key: str, timeouts: Timeouts) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.model = model
        self.timeouts = timeouts
        self._learned_context: int | None = None
        self._listed_context: int | None = None
        self._client = genai.Client(
            api_key=api_key,
            http_options=types.HttpOptions(
                base_url=self.endpoint,
                api_version=API_VERSION,
                timeout=int(timeouts.total * 1000),
            ),
        )

    def _arguments(self, request: LLMRequest) -> dict[str, Any]:
        system, contents = to_gemini_contents(request.messages)
        config = types.GenerateContentConfig(
            system_instruction=system,
            max_output_tokens=request.max_tokens,
            temperature=request.temperature,
        )
        return {"model": self.model, "contents": contents, "config": config}

    async def stream(self, request: LLMRequest) -> AsyncIterator[StreamEvent]:
        try:
            response = await self._client.aio.models.generate_content_stream(
                **self._arguments(request)
            )
        except Exception as exc:
            raise self.map_error(exc) from exc
        usage: TokenUsage | None = None
        finish: str | None = None
        try:
            async for chunk in response:
                usage = usage_of(chunk.usage_metadata) or usage
                for candidate in (chunk.candidates or [])[:1]:
                    for part in (candidate.content.parts if candidate.content else None) or []:
                        if part.text and not part.thought:
                            yield TextDelta(part.text)
                    if candidate.finish_reason is not None:
                        finish = str(candidate.finish_reason.value).lower()
        except LLMError:
            raise
        except Exception as exc:
            raise self.map_error(exc) from exc
        finally:
            await response.aclose()
        if finish is None:
            raise self.upstream("the stream ended before the model finished")
        yield StreamEnd(usage or TokenUsage(), finish)

    async def complete(self, request: LLMRequest) -> Completion:
        try:
            response = await self._client.aio.models.generate_content(**self._arguments(request))
        except Exception as exc:
            raise self.map_error(exc) from exc
        candidate = (response.candidates or [None])[0]
        finish = None
        if candidate is not None and candidate.finish_reason is not None:
            finish = str(candidate.finish_reason.value).lower()
        return Completion(
            response.text or "", usage_of(response.usage_metadata) or TokenUsage(), finish
        )

    # -- errors -----------------------------------------------------------------
    def upstream(self, message: str, **kwargs: Any) -> UpstreamError:
        return UpstreamError(
            f"gemini at {self.endpoint}: {message}",
            provider=self.name,
            endpoint=self.endpoint,
            **kwargs,
        )

    def map_error(self, exc: BaseException) -> LLMError:
        if isinstance(exc, errors.APIError):
            return self._status_error(exc)
        if isinstance(exc, TimeoutError | aiohttp.ServerTimeoutError):
            return self.upstream("timed out")
        if isinstance(exc, aiohttp.ClientConnectionError | OSError):
            return self.upstream(f"cannot connect ({type(exc).__name__}: {exc})")
        if isinstance(exc, json.JSONDecodeError | pydantic.ValidationError | ValueError):
            return self.upstream(f"malformed stream ({type(exc).__name__})")
        if isinstance(exc, aiohttp.ClientError):
            return self.upstream(f"broken stream ({type(exc).__name__}: {exc})")
        return self.upstream(f"unexpected {type(exc).__name__}: {exc}")

    def _status_error(self, exc: errors.APIError) -> LLMError:
        status = exc.code
        message = exc.message or str(exc)
        if (status == 400 and "API key" in message) or status in (401, 403):
            return self.upstream(
                f"the API key was rejected (HTTP {status}); check GEMINI_API_KEY",
                status=status,
                retryable=False,
            )
        if status == 404:
            return self.upstream(
                f"model {self.model!r} was not found (HTTP 404); check GEMINI_MODEL",
                status=status,
                retryable=False,
            )
        if status == 429:
            headers = getattr(exc.response, "headers", None) or {}
            return self.upstream(
                f"rate limited (HTTP 429): {message}",
                status=status,
                retry_after=parse_retry_after({k.lower(): v for k, v in headers.items()}),
            )
        if status >= 500 or status == 408:
            return self.upstream(f"server error (HTTP {status}): {message}", status=status)
        return LLMRequestError(f"gemini rejected the request (HTTP {status}): {message}")

    # -- tokens, window, health ------------------------------------------------------
    async def count_tokens(self, messages: list[Message]) -> int:
        return estimate_message_tokens(messages)

    def learn_context_size(self, n_ctx: int) -> None:
        self._learned_context = n_ctx

    async def context_size(self) -> int:
        if self._learned_context:
            return self._learned_context
        if self._listed_context is None:
            try:
                info = await self._client.aio.models.get(model=self.model)
                self._listed_context = info.input_token_limit or DEFAULT_CONTEXT
            except Exception as exc:
                log.debug("gemini: model info unavailable: %s", exc)
                return DEFAULT_CONTEXT
        return self._listed_context

    async def health(self) -> ComponentHealth:
        try:
            info = await self._client.aio.models.get(model=self.model)
        except Exception as exc:
            return ComponentHealth("down", str(self.map_error(exc)))
        self._listed_context = info.input_token_limit or self._listed_context
        return ComponentHealth("ok", f"{self.model} at {self.endpoint}")

    async def aclose(self) -> None:
        await self._client.aio.aclose()
