"""A fake OpenAI-compatible server with llama-server's extras, speaking the real wire format.

Chat streams open with a role-only delta whose `content` is null, then content deltas, a
`finish_reason` chunk, a usage chunk (when `stream_options.include_usage`) and `data: [DONE]`.
llama.cpp endpoints: `/health`, `/tokenize` (`add_special`, `with_pieces`),
`/apply-template`, `/props`. With `n_ctx` set,
prompts longer than it get llama-server's HTTP 400 `exceed_context_size_error`;
`props_n_ctx` may claim a different window. A request's `max_tokens` (or
`max_completion_tokens`, `n_predict`) cuts the reply (one piece, one token) with
`finish_reason: "length"`.

As llama-server does while it loads a model (`loading`, or `load_for(seconds)`), every
route but `/v1/models` answers HTTP 503 `{"error": {"code": 503, "message": "Loading model",
"type": "unavailable_error"}}`, and `/v1/models` lists the model with `meta: null`. With
`model_path` set, `/v1/models` ids follow llama-server (the `-m` path, or `model_alias`),
and `/props` reports `model_path`, `model_alias` and `modalities.vision`; all are plain
attributes, so a test changes what the next call reports (a restarted server). Without
`vision`, a chat request with an image part gets llama-server's HTTP 500 "image input is
not supported" (no `--mmproj`); an OpenAI-style test sets `vision=True`.

Fill-in-the-middle: llama-server's `POST /infill` (`input_prefix`, `input_suffix`,
`input_extra` `[{filename, text}]`, `n_predict`, `t_max_predict_ms`, `stop`, `cache_prompt`;
answers `content`, `stop: true`, `stop_type`, `timings`) and OpenAI's `POST /v1/completions`
with `suffix` (answers `choices[0].text`). Both record the request body in `requests`, reply
with the scripted behaviour (`Hang` waits for the client to go, counting the disconnect) and
cut the reply at the first `stop` string. With `fim=False` they answer as a model without FIM
tokens does: llama-server's HTTP 501 `not_supported_error`, OpenAI's 404 for a chat model.

Run standalone: `python -m tests.fakes.openai_server --port 0` prints `READY <url>`.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from tests.fakes.common import (
    ClientGone,
    Drop,
    Fail,
    FakeServer,
    Garbage,
    Hang,
    Reply,
    chunks,
    cli_parser,
    common_options,
    fake_tokens,
    serve_forever,
    within_limit,
)

BOS_ID = 1
# what llama-server answers when a request has an image and no `--mmproj` was loaded
NO_MMPROJ = {
    "code": 500,
    "message": "image input is not supported - hint: if this is unexpected, you may need to "
    "provide the mmproj",
    "type": "server_error",
}


def has_image(messages: list[dict[str, Any]]) -> bool:
    return any(
        isinstance(m.get("content"), list)
        and any(p.get("type") == "image_url" for p in m["content"])
        for m in messages
    )


def message_text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, list):
        return " ".join(
            part.get("text", "") if part.get("type") == "text" else "<image>" for part in content
        )
    return content or ""


def apply_template(messages: list[dict[str, Any]]) -> str:
    """A ChatML-like template: one marker word per message, one for the reply."""
    turns = [f"<|im_start|>{m['role']}\n{message_text(m)}<|im_end|>\n" for m in messages]
    return "".join(turns) + "<|im_start|>assistant\n"


class FakeOpenAIServer(FakeServer):
    """OpenAI `/v1/chat/completions` and `/v1/models`, plus llama-server endpoints."""

    def __init__(
        self,
        *,
        model: str = "fake-model",
        api_key: str | None = None,
        n_ctx: int | None = None,
        props_n_ctx: int | None = None,
        loading: bool = False,
        model_path: str | None = None,
        model_alias: str | None = None,
        vision: bool = False,
        fim: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.model = model
        self.api_key = api_key
        self.n_ctx = n_ctx
        self.props_n_ctx = props_n_ctx
        self.model_path = model_path
        self.model_alias = model_alias
        self.vision = vision
        self.fim = fim
        self.tokenize_calls = 0
        self.tokenize_delay = 0.0  # seconds before `/tokenize` answers (a slow tokenizer)
        self.add_bos = False  # the model's vocabulary adds a BOS (Llama does, Qwen2.5 not)
        self.health_calls = 0
        self.props_calls = 0
        self.loading_refusals = 0  # chat requests answered 503 while loading
        self._loading_until: float | None = float("inf") if loading else None

    # -- loading ----------------------------------------------------------------
    @property
    def loading(self) -> bool:
        return self._loading_until is not None and time.monotonic() < self._loading_until

    @loading.setter
    def loading(self, value: bool) -> None:
        self._loading_until = float("inf") if value else None

    def load_for(self, seconds: float) -> None:
        """Behave like a server that finishes loading its model `seconds` from now."""
        self._loading_until = time.monotonic() + seconds

    @web.middleware
    async def loading_gate(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if request.path == "/health":
            self.health_calls += 1
        if (
            self.loading
            and request.path not in ("/v1/models", "/models")
            and not (request.path.startswith("/_fake/"))
        ):
            if request.path in ("/v1/chat/completions", "/infill", "/v1/completions"):
                self.loading_refusals += 1
            error = {"code": 503, "message": "Loading model", "type": "unavailable_error"}
            return web.json_response({"error": error}, status=503)
        return await handler(request)

    def app(self) -> web.Application:
        app = super().app()
        app.middlewares.append(self.loading_gate)
        return app

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/v1/chat/completions", self.chat),
            web.get("/v1/models", self.models),
            web.get("/health", self.health),
            web.post("/tokenize", self.tokenize),
            web.post("/apply-template", self.template),
            web.get("/props", self.props),
            web.post("/infill", self.infill),
            web.post("/v1/completions", self.text_completion),
        ]

    # -- llama.cpp extras -----------------------------------------------------
    async def health(self, _: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})  # 503 while loading: see `loading_gate`

    async def tokenize(self, request: web.Request) -> web.Response:
        """llama-server's `/tokenize`: `content`, `add_special` (default false: a BOS first
        when the model adds one, `add_bos`), `with_pieces` (`[{id, piece}]` instead of ids);
        `tokenize_delay` holds the answer back."""
        self.tokenize_calls += 1
        body = await request.json()
        if self.tokenize_delay:
            try:
                await self.pause(request, self.tokenize_delay)
            except ClientGone:
                self.disconnects += 1
                return web.Response(status=499)
        content = body.get("content", "")
        pieces = re.findall(r"\s*\S+", content)
        ids = fake_tokens(content)
        if body.get("add_special", False) and self.add_bos:
            ids, pieces = [BOS_ID, *ids], ["<s>", *pieces]
        if body.get("with_pieces", False):
            tokens: list[Any] = [{"id": i, "piece": p} for i, p in zip(ids, pieces, strict=True)]
            return web.json_response({"tokens": tokens})
        return web.json_response({"tokens": ids})

    async def template(self, request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response({"prompt": apply_template(body["messages"])})

    @property
    def window(self) -> int:
        return self.props_n_ctx or self.n_ctx or 4096

    async def props(self, _: web.Request) -> web.Response:
        self.props_calls += 1
        body: dict[str, Any] = {
            "default_generation_settings": {
                "id": 0,
                "id_task": -1,
                "n_ctx": self.window,
                "is_processing": False,
                "params": {"n_predict": -1, "temperature": 0.8},
            },
            "total_slots": 1,
            "model_path": self.model_path or f"/models/{self.model}.gguf",
            "chat_template": "{{ messages }}",
            "modalities": {"vision": self.vision},
            "build_info": "b0-fake",
            "is_sleeping": False,
        }
        if self.model_alias:
            body["model_alias"] = self.model_alias
        return web.json_response(body)

    async def models(self, request: web.Request) -> web.Response:
        if (denied := self.check_key(request)) is not None:
            return denied
        if self.model_path is None:  # an OpenAI-style server
            meta = {"n_ctx_train": self.window}
            model = {"id": self.model, "object": "model", "owned_by": "fake", "meta": meta}
            return web.json_response({"object": "list", "data": [model]})
        llama_meta = {"vocab_type": 2, "n_vocab": 32000, "n_ctx_train": 32768, "n_embd": 896}
        model = {
            "id": self.model_alias or self.model_path,
            "object": "model",
            "created": int(time.time()),
            "owned_by": "llamacpp",
            "meta": None if self.loading else llama_meta,
        }
        return web.json_response({"object": "list", "data": [model]})

    # -- fill-in-the-middle ------------------------------------------------------
    async def fim_text(self, request: web.Request, body: dict[str, Any]) -> str | web.Response:
        """The scripted reply, cut at `n_predict`/`max_tokens` and the first stop string."""
        behaviour = self.next_behaviour()
        if isinstance(behaviour, Fail):
            return self.error(behaviour)
        if isinstance(behaviour, Hang | Drop | Garbage):
            try:
                await self.hang(request)
            except ClientGone:
                self.disconnects += 1
            return web.Response(status=504)
        if behaviour.delay or self.delay:
            try:
                await self.pause(request, behaviour.delay or self.delay)
            except ClientGone:
                self.disconnects += 1
                return web.Response(status=499)
        text = behaviour.text if behaviour.text is not None else self.reply_text
        limit = body.get("n_predict", body.get("max_tokens"))
        _, pieces = within_limit(behaviour, chunks(text, self.chunk_chars), limit)
        text = "".join(pieces)
        for stop in body.get("stop") or []:
            if stop and stop in text:
                text = text[: text.index(stop)]
        self.completed += 1
        return text

    async def infill(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        if not self.fim:
            error = {
                "code": 501,
                "message": "Infill is not supported by this model: prefix token is missing.",
                "type": "not_supported_error",
            }
            return web.json_response({"error": error}, status=501)
        extra = "".join(c["filename"] + c["text"] for c in body.get("input_extra") or [])
        n_prompt = len(fake_tokens(extra + body["input_prefix"] + body["input_suffix"]))
        text = await self.fim_text(request, body)
        if isinstance(text, web.Response):
            return text
        n_predicted = len(fake_tokens(text))
        return web.json_response(
            {
                "index": 0,
                "content": text,
                "tokens": [],
                "id_slot": 0,
                "stop": True,
                "model": self.model_alias or self.model,
                "tokens_predicted": n_predicted,
                "tokens_evaluated": n_prompt,
                "has_new_line": "\n" in text,
                "truncated": False,
                "stop_type": "eos",
                "stopping_word": "",
                "tokens_cached": 0,
                "timings": {
                    "prompt_n": n_prompt,
                    "prompt_ms": 1.0,
                    "predicted_n": n_predicted,
                    "predicted_ms": 1.0,
                },
            }
        )

    async def text_completion(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        if (denied := self.check_key(request)) is not None:
            return denied
        if not self.fim:
            error = {
                "message": "This is a chat model and not supported in the v1/completions "
                "endpoint. Did you mean to use v1/chat/completions?",
                "type": "invalid_request_error",
                "code": None,
            }
            return web.json_response({"error": error}, status=404)
        text = await self.fim_text(request, body)
        if isinstance(text, web.Response):
            return text
        n_prompt = len(fake_tokens(body.get("prompt", "") + body.get("suffix", "")))
        return web.json_response(
            {
                "id": "cmpl-fake",
                "object": "text_completion",
                "created": int(time.time()),
                "model": self.model,
                "choices": [{"text": text, "index": 0, "logprobs": None, "finish_reason": "stop"}],
                "usage": self.usage(n_prompt, len(fake_tokens(text))),
            }
        )

    # -- chat -----------------------------------------------------------------
    def check_key(self, request: web.Request) -> web.Response | None:
        if self.api_key is None or request.headers.get("Authorization") == f"Bearer {self.api_key}":
            return None
        error = {
            "message": "Incorrect API key provided.",
            "type": "invalid_request_error",
            "code": "invalid_api_key",
        }
        return web.json_response({"error": error}, status=401)

    def error(self, fail: Fail) -> web.Response:
        error = {"code": fail.status, "message": fail.message, "type": "server_error"}
        return web.json_response({"error": error}, status=fail.status, headers=fail.headers)

    async def chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append(body)
        if (denied := self.check_key(request)) is not None:
            return denied
        if not self.vision and has_image(body["messages"]):
            return web.json_response({"error": NO_MMPROJ}, status=500)
        n_prompt = len(fake_tokens(apply_template(body["messages"])))
        if self.n_ctx is not None and n_prompt > self.n_ctx:
            error = {
                "code": 400,
                "message": f"the request exceeds the available context size ({n_prompt} > "
                f"{self.n_ctx}), try increasing it",
                "type": "exceed_context_size_error",
                "n_prompt_tokens": n_prompt,
                "n_ctx": self.n_ctx,
            }
            return web.json_response({"error": error}, status=400)
        behaviour = self.next_behaviour()
        if isinstance(behaviour, Fail):
            return self.error(behaviour)
        if isinstance(behaviour, Hang) and not behaviour.headers_sent:
            try:
                await self.hang(request)
            except ClientGone:
                self.disconnects += 1
            return web.Response(status=504)
        reply = behaviour if isinstance(behaviour, Reply) else Reply()
        text = reply.text if reply.text is not None else self.reply_text
        pieces = chunks(text, reply.chunk_chars or self.chunk_chars)
        limit = body.get("max_completion_tokens", body.get("max_tokens", body.get("n_predict")))
        reply, pieces = within_limit(reply, pieces, limit)
        if isinstance(behaviour, Reply):
            behaviour = reply
        if not body.get("stream"):
            completion = self.completion("".join(pieces), n_prompt, len(pieces))
            completion["choices"][0]["finish_reason"] = reply.finish_reason
            return web.json_response(completion)
        try:
            return await self.stream(request, body, behaviour, pieces, n_prompt)
        except ClientGone:
            self.disconnects += 1
            return web.Response(status=499)

    def chunk(self, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": self.model,
            "system_fingerprint": "fake",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    async def stream(
        self,
        request: web.Request,
        body: dict[str, Any],
        behaviour: Any,
        pieces: list[str],
        n_prompt: int,
    ) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        delay = behaviour.delay if isinstance(behaviour, Reply) and behaviour.delay else self.delay

        async def send(payload: dict[str, Any] | str) -> None:
            data = payload if isinstance(payload, str) else json.dumps(payload)
            await self.write(request, response, f"data: {data}\n\n".encode())

        await send(self.chunk({"role": "assistant", "content": None}))
        for index, piece in enumerate(pieces):
            if isinstance(behaviour, Hang | Drop | Garbage) and index == behaviour.after_chunks:
                return await self.misbehave(request, response, behaviour)
            if delay:
                await self.pause(request, delay)
            await send(self.chunk({"content": piece}))
        finish = behaviour.finish_reason if isinstance(behaviour, Reply) else "stop"
        await send(self.chunk({}, finish))
        if (body.get("stream_options") or {}).get("include_usage"):  # only in the last chunk
            usage = self.usage(n_prompt, len(pieces))
            timings = {"prompt_n": n_prompt, "predicted_n": len(pieces)}
            await send({**self.chunk({}), "choices": [], "usage": usage, "timings": timings})
        await send("[DONE]")
        await response.write_eof()
        self.completed += 1
        return response

    async def misbehave(
        self, request: web.Request, response: web.StreamResponse, behaviour: Any
    ) -> web.StreamResponse:
        if isinstance(behaviour, Hang):
            await self.hang(request)
            raise ClientGone
        if isinstance(behaviour, Drop):
            self.abort(request)
            return response
        await self.write(request, response, b"data: {this is not json\n\n")
        await response.write_eof()
        return response

    @staticmethod
    def usage(n_prompt: int, n_completion: int) -> dict[str, int]:
        return {
            "prompt_tokens": n_prompt,
            "completion_tokens": n_completion,
            "total_tokens": n_prompt + n_completion,
        }

    def completion(self, text: str, n_prompt: int, n_completion: int) -> dict[str, Any]:
        self.completed += 1
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
            "usage": self.usage(n_prompt, n_completion),
        }


def main(argv: list[str] | None = None) -> None:
    parser = cli_parser("Fake OpenAI-compatible / llama.cpp server")
    parser.add_argument("--model", default="fake-model")
    parser.add_argument("--api-key", default=None, help="require this bearer key")
    parser.add_argument("--n-ctx", type=int, default=None, help="enforced context window")
    parser.add_argument("--props-n-ctx", type=int, default=None, help="window /props claims")
    parser.add_argument("--loading", action="store_true", help="answer 503 Loading model")
    parser.add_argument("--load-seconds", type=float, default=0.0, help="load for this long")
    parser.add_argument("--model-path", default=None, help="llama-server style model ids")
    args = parser.parse_args(argv)
    server = FakeOpenAIServer(
        model=args.model,
        api_key=args.api_key,
        n_ctx=args.n_ctx,
        props_n_ctx=args.props_n_ctx,
        loading=args.loading,
        model_path=args.model_path,
        **common_options(args),
    )
    if args.load_seconds:
        server.load_for(args.load_seconds)
    serve_forever(server, args)


if __name__ == "__main__":
    main()
