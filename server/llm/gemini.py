"""Google Gemini's REST API (`v1beta`) over aiohttp, streaming with `alt=sse`.

`google-genai` works against a local server, but closing its async stream leaves the HTTP
response open until garbage collection, so a cancelled answer would keep the model
generating. Speaking the small wire format directly lets us close the connection at once.
`GEMINI_BASE_URL` points it at a local fake in tests.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp

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
    StreamOpened,
    TextDelta,
    TokenUsage,
)
from server.llm.model_info import EndpointProbe, ModelInfo
from server.llm.openai_compat import parse_retry_after
from server.llm.policy import Timeouts

log = logging.getLogger(__name__)

API_VERSION = "v1beta"
DEFAULT_CONTEXT = 32_768


def to_gemini_body(request: LLMRequest) -> dict[str, Any]:
    """System messages become `systemInstruction`; `assistant` is Gemini's `model` role."""
    body: dict[str, Any] = {"contents": []}
    system = "\n\n".join(m.text() for m in request.messages if m.role == "system")
    if system:
        body["systemInstruction"] = {"parts": [{"text": system}]}
    for message in request.messages:
        if message.role == "system":
            continue
        parts: list[dict[str, Any]] = []
        if isinstance(message.content, str):
            parts.append({"text": message.content})
        else:
            for part in message.content:
                if isinstance(part, ImagePart):
                    parts.append(
                        {"inlineData": {"mimeType": part.mime_type, "data": part.base64()}}
                    )
                else:
                    parts.append({"text": part.text})
        role = "model" if message.role == "assistant" else "user"
        body["contents"].append({"role": role, "parts": parts})
    config: dict[str, Any] = {}
    if request.max_tokens is not None:
        config["maxOutputTokens"] = request.max_tokens
    if request.temperature is not None:
        config["temperature"] = request.temperature
    if config:
        body["generationConfig"] = config
    return body


def usage_of(payload: dict[str, Any]) -> TokenUsage | None:
    metadata = payload.get("usageMetadata")
    if not isinstance(metadata, dict):
        return None
    return TokenUsage(
        int(metadata.get("promptTokenCount") or 0), int(metadata.get("candidatesTokenCount") or 0)
    )


def candidate_of(payload: dict[str, Any]) -> tuple[list[str], str | None]:
    """Texts of the first candidate (thoughts excluded) and its finish reason, if any."""
    candidates = payload.get("candidates") or [{}]
    candidate = candidates[0]
    parts = (candidate.get("content") or {}).get("parts") or []
    texts = [p["text"] for p in parts if isinstance(p.get("text"), str) and not p.get("thought")]
    finish = candidate.get("finishReason")
    return texts, finish.lower() if isinstance(finish, str) else None


async def sse_data(response: aiohttp.ClientResponse) -> AsyncIterator[str]:
    """The `data:` payload of each server-sent event (CRLF or LF separated)."""
    buffer = b""
    data: list[str] = []
    async for block in response.content.iter_any():
        buffer += block
        *lines, buffer = buffer.split(b"\n")
        for raw in lines:
            line = raw.rstrip(b"\r").decode("utf-8")
            if line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
            elif not line and data:
                yield "\n".join(data)
                data = []
    if data:
        yield "\n".join(data)


class GeminiProvider:
    """One Gemini API endpoint and model."""

    name = "gemini"
    exact_tokens = False

    def __init__(
        self,
        *,
        endpoint: str,
        model: str,
        api_key: str,
        timeouts: Timeouts,
        vision: bool = True,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.vision = vision
        self.model = model
        self.timeouts = timeouts
        self._api_key = api_key
        self._session: aiohttp.ClientSession | None = None
        self._learned_context: int | None = None
        self._listed_context: int | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            timeout = aiohttp.ClientTimeout(
                total=None,
                sock_connect=self.timeouts.connect,
                sock_read=self.timeouts.read_backstop,
            )
            headers = {"x-goog-api-key": self._api_key}
            self._session = aiohttp.ClientSession(timeout=timeout, headers=headers)
        return self._session

    def _url(self, suffix: str) -> str:
        return f"{self.endpoint}/{API_VERSION}/models/{self.model}{suffix}"

    async def _open(self, suffix: str, request: LLMRequest) -> aiohttp.ClientResponse:
        try:
            response = await self._http().post(self._url(suffix), json=to_gemini_body(request))
        except Exception as exc:
            raise self.map_error(exc) from exc
        if response.status != 200:
            try:
                raise await self._status_error(response)
            finally:
                response.close()
        return response

    async def stream(self, request: LLMRequest) -> AsyncIterator[StreamEvent]:
        response = await self._open(":streamGenerateContent?alt=sse", request)
        usage: TokenUsage | None = None
        finish: str | None = None
        try:
            yield StreamOpened()
            async for data in sse_data(response):
                payload = json.loads(data)
                if not isinstance(payload, dict):
                    raise ValueError("event is not a JSON object")
                if "error" in payload:
                    raise self.upstream(f"error in stream: {payload['error']}")
                usage = usage_of(payload) or usage
                texts, reason = candidate_of(payload)
                finish = reason or finish
                for text in texts:
                    yield TextDelta(text)
        except LLMError:
            raise
        except Exception as exc:
            raise self.map_error(exc) from exc
        finally:
            response.close()
        if finish is None:
            raise self.upstream("the stream ended before the model finished")
        yield StreamEnd(usage or TokenUsage(), finish)

    async def complete(self, request: LLMRequest) -> Completion:
        response = await self._open(":generateContent", request)
        try:
            payload = await response.json()
        except Exception as exc:
            raise self.map_error(exc) from exc
        finally:
            response.close()
        texts, finish = candidate_of(payload)
        return Completion("".join(texts), usage_of(payload) or TokenUsage(), finish)

    # -- errors -----------------------------------------------------------------
    def upstream(self, message: str, **kwargs: Any) -> UpstreamError:
        return UpstreamError(
            f"gemini at {self.endpoint}: {message}",
            provider=self.name,
            endpoint=self.endpoint,
            **kwargs,
        )

    def map_error(self, exc: BaseException) -> LLMError:
        if isinstance(exc, TimeoutError | aiohttp.ServerTimeoutError):
            return self.upstream("timed out")
        if isinstance(exc, aiohttp.ClientConnectorError):
            return self.upstream(f"cannot connect ({exc})")
        if isinstance(exc, aiohttp.ClientError):
            return self.upstream(f"connection error ({type(exc).__name__}: {exc})")
        if isinstance(exc, ValueError | KeyError | TypeError):
            return self.upstream(f"malformed stream ({type(exc).__name__})")
        return self.upstream(f"unexpected {type(exc).__name__}: {exc}")

    async def _status_error(self, response: aiohttp.ClientResponse) -> LLMError:
        status = response.status
        try:
            error = (await response.json(content_type=None)).get("error") or {}
        except (ValueError, AttributeError, aiohttp.ClientError):
            error = {}
        message = str(error.get("message") or response.reason)
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
            headers = {k.lower(): v for k, v in response.headers.items()}
            return self.upstream(
                f"rate limited (HTTP 429): {message}",
                status=status,
                retry_after=parse_retry_after(headers),
            )
        if status >= 500 or status == 408:
            return self.upstream(f"server error (HTTP {status}): {message}", status=status)
        return LLMRequestError(f"gemini rejected the request (HTTP {status}): {message}")

    # -- tokens, window, health ------------------------------------------------------
    async def count_tokens(self, messages: list[Message]) -> int:
        return estimate_message_tokens(messages)

    async def sees_images(self) -> bool | None:
        return self.vision

    def learn_context_size(self, n_ctx: int) -> None:
        self._learned_context = n_ctx

    def forget_model_info(self) -> None:
        self._learned_context = None
        self._listed_context = None

    async def _model_info(self) -> dict[str, Any]:
        try:
            async with self._http().get(self._url("")) as response:
                if response.status != 200:
                    raise await self._status_error(response)
                return await response.json()
        except LLMError:
            raise
        except Exception as exc:
            raise self.map_error(exc) from exc

    async def context_size(self) -> int:
        if self._learned_context:
            return self._learned_context
        if self._listed_context is None:
            try:
                info = await self._model_info()
            except LLMError as exc:
                log.debug("gemini: model info unavailable: %s", exc)
                return DEFAULT_CONTEXT
            self._listed_context = int(info.get("inputTokenLimit") or DEFAULT_CONTEXT)
        return self._listed_context

    async def health(self) -> ComponentHealth:
        try:
            info = await self._model_info()
        except LLMError as exc:
            return ComponentHealth("down", str(exc))
        self._listed_context = int(info.get("inputTokenLimit") or DEFAULT_CONTEXT)
        return ComponentHealth("ok", f"{self.model} at {self.endpoint}")

    async def ready(self) -> bool:
        return (await self.health()).status == "ok"

    async def probe(self) -> EndpointProbe:
        health = await self.health()
        if health.status != "ok":
            return EndpointProbe(self.name, self.endpoint, "down", health.reason)
        info = ModelInfo(self.model, self._listed_context, None)
        return EndpointProbe(self.name, self.endpoint, "ready", health.reason, info)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
