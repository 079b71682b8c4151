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
from server.llm.model_info import (
    DEFAULT_MAX_AGE,
    EndpointProbe,
    ModelInfo,
    display_model_id,
)
from server.llm.openai_compat import DEFAULT_CONTEXT, OpenAICompatProvider
from server.llm.policy import Timeouts

log = logging.getLogger(__name__)

TOKEN_CACHE_SIZE = 1024


def window_from_props(props: dict[str, Any] | None) -> int | None:
    """The per-slot window (`-c` divided by `-np`), which is what one request may fill."""
    if props is None:
        return None
    settings = props.get("default_generation_settings") or {}
    n_ctx = settings.get("n_ctx", props.get("n_ctx"))
    return n_ctx if isinstance(n_ctx, int) and n_ctx > 0 else None


def model_from_props(props: dict[str, Any] | None) -> str | None:
    for key in ("model_alias", "model_path"):
        value = (props or {}).get(key)
        if isinstance(value, str) and value:
            return value
    return None


def vision_from_props(props: dict[str, Any] | None) -> bool | None:
    modalities = (props or {}).get("modalities")
    vision = modalities.get("vision") if isinstance(modalities, dict) else None
    return vision if isinstance(vision, bool) else None


def n_ctx_train(entry: dict[str, Any] | None) -> int | None:
    """The training window from `/v1/models` meta (null while loading): a last resort."""
    meta = (entry or {}).get("meta") or {}
    value = meta.get("n_ctx_train") if isinstance(meta, dict) else None
    return value if isinstance(value, int) and value > 0 else None


def connection_problem(exc: BaseException) -> str:
    """A short phrase for a failed connection, without the exception's repr."""
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"cannot connect to {exc.host}:{exc.port}"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "the server closed the connection"
    return type(exc).__name__


class LlamaCppProvider(OpenAICompatProvider):
    """One llama-server; `endpoint` is the server root (without `/v1`)."""

    exact_tokens = True

    def __init__(
        self,
        *,
        endpoint: str,
        model: str,
        timeouts: Timeouts,
        info_max_age: float = DEFAULT_MAX_AGE,
        vision: bool | None = None,
    ) -> None:
        root = endpoint.rstrip("/").removesuffix("/v1")
        super().__init__(
            endpoint=f"{root}/v1",
            model=model,
            api_key="",
            timeouts=timeouts,
            name="llamacpp",
            info_max_age=info_max_age,
            vision=vision,
        )
        self.endpoint = root
        self._session: aiohttp.ClientSession | None = None
        self._token_cache: OrderedDict[str, int] = OrderedDict()

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

    # -- model, window, health -------------------------------------------------------
    async def sees_images(self) -> bool | None:
        """The setting when given, else `/props` modalities (a model started with
        `--mmproj` reports vision); re-read with the rest of the model facts."""
        if self.vision is not None:
            return self.vision
        return (await self.model_info()).vision

    def learn_context_size(self, n_ctx: int) -> None:
        """An overflow error names the real window: trust it at once, until the next read."""
        last = self._info.last or ModelInfo(self.model)
        self._info.store(ModelInfo(last.model, n_ctx, last.vision))

    async def context_size(self) -> int:
        return (await self.model_info()).window or DEFAULT_CONTEXT

    async def model_info(self) -> ModelInfo:
        """What the server runs now: `/v1/models` id (else `/props` alias or path), the slot
        window from `/props`, vision from `/props` modalities. Re-read when stale."""
        if (info := self._info.fresh()) is not None:
            return info
        props = await self._json_or_none("/props")
        listed = await self._listed_model()
        info = ModelInfo(
            model=(listed or {}).get("id") or model_from_props(props),
            window=window_from_props(props) or n_ctx_train(listed),
            vision=vision_from_props(props),
        )
        if info.model:
            self.model = display_model_id(info.model)
            info = ModelInfo(self.model, info.window, info.vision)
        if info.window is not None:
            self._info.store(info)  # otherwise (down, loading) ask again next time
        return info

    async def _json_or_none(self, path: str) -> dict[str, Any] | None:
        try:
            status, body = await self._get(path)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            log.debug("%s: %s unavailable: %s", self.endpoint, path, exc)
            return None
        return body if status == 200 and isinstance(body, dict) else None

    async def _listed_model(self) -> dict[str, Any] | None:
        """The `/v1/models` entry for the configured name, or the only one listed."""
        body = await self._json_or_none("/v1/models")
        entries = [e for e in (body or {}).get("data") or [] if isinstance(e, dict)]
        for entry in entries:
            if entry.get("id") == self.request_model:
                return entry
        return entries[0] if len(entries) == 1 else None

    async def _health_status(self) -> tuple[int | None, str]:
        """HTTP status of `/health` (None when unreachable) and what it means, in words."""
        try:
            status, body = await self._get("/health")
        except (aiohttp.ClientError, TimeoutError) as exc:
            return None, f"unreachable ({connection_problem(exc)})"
        except ValueError:
            return 0, "/health is not JSON"
        if status == 503:
            error = (body or {}).get("error") or {} if isinstance(body, dict) else {}
            return status, str(error.get("message") or "loading").lower()
        return status, f"/health HTTP {status}"

    async def ready(self) -> bool:
        status, _ = await self._health_status()
        return status == 200

    async def health(self) -> ComponentHealth:
        status, reason = await self._health_status()
        if status == 200:
            info = await self.model_info()
            window = f", window {info.window}" if info.window else ""
            return ComponentHealth("ok", f"{self.model} at {self.endpoint}{window}")
        state = "degraded" if status == 503 else "down"
        return ComponentHealth(state, f"llama.cpp at {self.endpoint}: {reason}")

    async def probe(self) -> EndpointProbe:
        status, reason = await self._health_status()
        if status == 200:
            self._info.forget()
            info = await self.model_info()
            return EndpointProbe(self.name, self.endpoint, "ready", "ready", info)
        if status == 503:  # `/v1/models` answers while loading: the id at least
            listed = await self._listed_model()
            model = display_model_id(listed["id"]) if listed and listed.get("id") else None
            return EndpointProbe(self.name, self.endpoint, "loading", reason, ModelInfo(model))
        return EndpointProbe(self.name, self.endpoint, "down", reason)

    async def aclose(self) -> None:
        await super().aclose()
        if self._session is not None:
            await self._session.close()
