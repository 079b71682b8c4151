"""FIM providers: llama.cpp's `/infill` and OpenAI-compatible `/v1/completions` with `suffix`.

A completion never waits: a server still loading its model (llama.cpp's HTTP 503 `Loading
model`) raises `ProviderLoading` at once, and one whose model has no FIM (llama.cpp's 501,
a chat-only `/v1/completions` 404) raises `NoFim`; the service skips to the next endpoint.
Cancelling the calling task closes the HTTP request at once (aiohttp drops the connection).
"""

from __future__ import annotations

from typing import Any, Protocol

import aiohttp

from server.completion.request import FimAnswer, FimRequest


class ProviderSkipped(Exception):
    """This endpoint cannot answer now; try the next one. The message says why."""


class ProviderLoading(ProviderSkipped):
    pass


class NoFim(ProviderSkipped):
    pass


class ProviderFailed(ProviderSkipped):
    """An error or an unreachable server: counts against the endpoint's breaker."""


class FimProvider(Protocol):
    name: str
    endpoint: str

    async def infill(self, session: aiohttp.ClientSession, request: FimRequest) -> FimAnswer: ...


def _error_message(body: Any, status: int) -> str:
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])
    return f"HTTP {status}"


async def _post(
    session: aiohttp.ClientSession, url: str, body: dict[str, Any], headers: dict[str, str]
) -> tuple[int, Any]:
    try:
        async with session.post(url, json=body, headers=headers) as response:
            return response.status, await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        raise ProviderFailed(f"{url}: {type(exc).__name__}") from exc


class LlamaCppInfill:
    """`POST {root}/infill`: the model's own FIM tokens, repo-level `input_extra` chunks."""

    name = "llamacpp"

    def __init__(self, root: str) -> None:
        self.endpoint = root.rstrip("/").removesuffix("/v1")

    def body(self, request: FimRequest) -> dict[str, Any]:
        return {
            "input_prefix": request.prefix,
            "input_suffix": request.suffix,
            "input_extra": [chunk.to_json() for chunk in request.extra],
            "prompt": "",
            "n_predict": request.max_tokens,
            "t_max_predict_ms": request.time_limit_ms,
            "stop": request.stop,
            "cache_prompt": True,  # the slot keeps the shared prefix: only the edit is new
            "samplers": ["top_k", "top_p", "infill"],
            "top_k": 40,
            "top_p": 0.99,
            "stream": False,
        }

    async def infill(self, session: aiohttp.ClientSession, request: FimRequest) -> FimAnswer:
        status, body = await _post(session, f"{self.endpoint}/infill", self.body(request), {})
        if status == 503:
            raise ProviderLoading(f"llamacpp at {self.endpoint}: {_error_message(body, status)}")
        if status in (404, 501):
            raise NoFim(f"llamacpp at {self.endpoint}: no FIM ({_error_message(body, status)})")
        if status != 200 or not isinstance(body, dict):
            raise ProviderFailed(f"llamacpp at {self.endpoint}: {_error_message(body, status)}")
        return FimAnswer(str(body.get("content") or ""), self.name, self.endpoint)


class OpenAICompletions:
    """`POST {base}/completions` with `suffix` (hosted FIM models, vLLM, Ollama /v1)."""

    name = "openai"

    def __init__(self, base_url: str, model: str, api_key: str) -> None:
        self.endpoint = base_url.rstrip("/")
        self.model = model
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}

    def body(self, request: FimRequest) -> dict[str, Any]:
        context = "".join(f"# {c.filename}\n{c.text}\n" for c in request.extra)
        return {
            "model": self.model,
            "prompt": context + request.prefix,
            "suffix": request.suffix,
            "max_tokens": request.max_tokens,
            "temperature": 0.1,
            "stop": request.stop,
            "stream": False,
        }

    async def infill(self, session: aiohttp.ClientSession, request: FimRequest) -> FimAnswer:
        url = f"{self.endpoint}/completions"
        status, body = await _post(session, url, self.body(request), self._headers)
        if status == 503:
            raise ProviderLoading(f"openai at {self.endpoint}: {_error_message(body, status)}")
        if status in (404, 501) or (status == 400 and "suffix" in _error_message(body, status)):
            raise NoFim(f"openai at {self.endpoint}: no FIM ({_error_message(body, status)})")
        if status != 200 or not isinstance(body, dict):
            raise ProviderFailed(f"openai at {self.endpoint}: {_error_message(body, status)}")
        choices = body.get("choices") or [{}]
        return FimAnswer(str(choices[0].get("text") or ""), self.name, self.endpoint)
