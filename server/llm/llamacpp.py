"""llama.cpp's `llama-server`: OpenAI-compatible chat plus its own readiness, tokenizer
and window endpoints (`/health`, `/apply-template`, `/tokenize`, `/props`)."""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

import aiohttp

from server.health import ComponentHealth
from server.llm.estimate import TOKENS_PER_IMAGE, TOKENS_PER_MESSAGE, estimate_message_tokens
from server.llm.messages import Message
from server.llm.openai_compat import DEFAULT_CONTEXT, OpenAICompatProvider
from server.llm.policy import Timeouts

log = logging.getLogger(__name__)

TOKEN_CACHE_SIZE = 1024


class LlamaCppProvider(OpenAICompatProvider):
    """One llama-server; `endpoint` is the server root (without `/v1`)."""

    exact_tokens = True

    def __init__(self, *, endpoint: str, model: str, timeouts: Timeouts) -> None:
        root = endpoint.rstrip("/").removesuffix("/v1")
        super().__init__(
            endpoint=f"{root}/v1", model=model, api_key="", timeouts=timeouts, name="llamacpp"
        )
        self.endpoint = root
        self._session: aiohttp.ClientSession | None = None
        self._token_cache: OrderedDict[str, int] = OrderedDict()
        self._props_context: int | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            timeout = aiohttp.ClientTimeout(
                total=max(10.0, 3 * self.timeouts.connect), sock_connect=self.timeouts.connect
            )
            self._session = aiohttp.ClientSession(timeout=timeout)
        return self._session

    async def _get(self, path: str) -> tuple[int, Any]:
        async with self._http().get(f"{self.endpoint}{path}") as response:
            return response.status, await response.json(content_type=None)

    async def _post(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        async with self._http().post(f"{self.endpoint}{path}", json=body) as response:
            return response.status, await response.json(content_type=None)

    # -- tokens -------------------------------------------------------------------
    async def _tokenize(self, text: str) -> int:
        if (cached := self._token_cache.get(text)) is not None:
            self._token_cache.move_to_end(text)
            return cached
        status, body = await self._post("/tokenize", {"content": text, "add_special": True})
        if status != 200:
            raise ValueError(f"/tokenize answered HTTP {status}")
        count = len(body["tokens"])
        self._token_cache[text] = count
        if len(self._token_cache) > TOKEN_CACHE_SIZE:
            self._token_cache.popitem(last=False)
        return count

    async def _templated(self, messages: list[Message]) -> str | None:
        """The prompt exactly as the server renders it, or None on servers without the route."""
        texts = [{"role": m.role, "content": m.text()} for m in messages]
        status, body = await self._post("/apply-template", {"messages": texts})
        return body.get("prompt") if status == 200 and isinstance(body, dict) else None

    async def count_tokens(self, messages: list[Message]) -> int:
        """Exact: the chat template applied by the server, then its tokenizer; images are
        charged a flat estimate. Falls back to an estimate when the server is unreachable."""
        images = TOKENS_PER_IMAGE * sum(len(m.images()) for m in messages)
        try:
            prompt = await self._templated(messages)
            if prompt is not None:
                return await self._tokenize(prompt) + images
            total = 0
            for message in messages:
                total += TOKENS_PER_MESSAGE + await self._tokenize(message.text())
            return total + images
        except (aiohttp.ClientError, TimeoutError, KeyError, ValueError) as exc:
            log.debug("%s: tokenize failed (%s); estimating", self.endpoint, exc)
            return estimate_message_tokens(messages)

    # -- window, health -------------------------------------------------------------
    async def context_size(self) -> int:
        if self._learned_context:
            return self._learned_context
        if self._props_context is None:
            self._props_context = await self._context_from_props()
        if self._props_context is None:
            return await self._context_from_models() or DEFAULT_CONTEXT
        return self._props_context

    async def _context_from_props(self) -> int | None:
        try:
            status, body = await self._get("/props")
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            log.debug("%s: /props unavailable: %s", self.endpoint, exc)
            return None
        if status != 200 or not isinstance(body, dict):
            return None
        n_ctx = (body.get("default_generation_settings") or {}).get("n_ctx", body.get("n_ctx"))
        return int(n_ctx) if isinstance(n_ctx, int) and n_ctx > 0 else None

    async def health(self) -> ComponentHealth:
        try:
            status, body = await self._get("/health")
        except (aiohttp.ClientError, TimeoutError) as exc:
            return ComponentHealth("down", f"llama.cpp at {self.endpoint} unreachable: {exc}")
        except ValueError:
            return ComponentHealth("down", f"llama.cpp at {self.endpoint}: /health is not JSON")
        if status == 200:
            return ComponentHealth("ok", f"{self.model} at {self.endpoint}")
        if status == 503:
            message = ((body or {}).get("error") or {}).get("message", "loading")
            return ComponentHealth("degraded", f"llama.cpp at {self.endpoint}: {message.lower()}")
        return ComponentHealth("down", f"llama.cpp at {self.endpoint}: /health HTTP {status}")

    async def aclose(self) -> None:
        await super().aclose()
        if self._session is not None:
            await self._session.close()
