"""A fake Gemini API (`v1beta`) speaking the real wire format.

`POST /v1beta/models/{model}:streamGenerateContent?alt=sse` answers `data: {...}` events
(CRLF-separated, as Google does), each with `candidates[0].content.parts[].text` and
`usageMetadata`; the last one carries `finishReason: "STOP"` and `candidatesTokenCount`
(`"MAX_TOKENS"` when `generationConfig.maxOutputTokens` cut the reply, one piece a token).
Also `:countTokens` and `GET /v1beta/models/{model}` (inputTokenLimit).
Errors use Google's shape `{"error": {"code", "message", "status"}}`.

Run standalone: `python -m tests.fakes.gemini_server --port 0` prints `READY <url>`.
"""

from __future__ import annotations

import json
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

# the fakes' scripted reasons (OpenAI's words) in Gemini's words
FINISH_REASONS = {"stop": "STOP", "length": "MAX_TOKENS"}

STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


def prompt_text(body: dict[str, Any]) -> str:
    texts = [p.get("text", "") for p in body.get("systemInstruction", {}).get("parts", [])]
    for content in body.get("contents", []):
        for part in content.get("parts", []):
            texts.append(part["text"] if "text" in part else "<image>")
    return " ".join(texts)


class FakeGeminiServer(FakeServer):
    def __init__(
        self,
        *,
        model: str = "gemini-fake",
        api_key: str | None = None,
        input_token_limit: int = 32768,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.model = model
        self.api_key = api_key
        self.input_token_limit = input_token_limit

    def routes(self) -> list[web.RouteDef]:
        return [
            route
            for version in ("v1beta", "v1")
            for route in (
                web.post(f"/{version}/models/{{action}}", self.action),
                web.get(f"/{version}/models/{{model}}", self.model_info),
            )
        ]

    def error(self, status: int, message: str, headers: dict[str, str] | None = None):
        error = {"code": status, "message": message, "status": STATUS_NAMES.get(status, "UNKNOWN")}
        return web.json_response({"error": error}, status=status, headers=headers)

    def check_key(self, request: web.Request) -> web.Response | None:
        given = request.headers.get("x-goog-api-key") or request.query.get("key")
        if self.api_key is None or given == self.api_key:
            return None
        return self.error(400, "API key not valid. Please pass a valid API key.")

    async def model_info(self, request: web.Request) -> web.Response:
        if (denied := self.check_key(request)) is not None:
            return denied
        name = request.match_info["model"]
        return web.json_response(
            {
                "name": f"models/{name}",
                "displayName": name,
                "inputTokenLimit": self.input_token_limit,
                "outputTokenLimit": 8192,
            }
        )

    async def action(self, request: web.Request) -> web.StreamResponse:
        if (denied := self.check_key(request)) is not None:
            return denied
        model, _, verb = request.match_info["action"].partition(":")
        body = await request.json()
        n_prompt = len(fake_tokens(prompt_text(body)))
        if verb == "countTokens":
            return web.json_response({"totalTokens": n_prompt})
        if verb != "streamGenerateContent":
            return self.error(404, f"unknown method {verb}")
        self.requests.append(body)
        behaviour = self.next_behaviour()
        if isinstance(behaviour, Fail):
            return self.error(behaviour.status, behaviour.message, behaviour.headers)
        if isinstance(behaviour, Hang) and not behaviour.headers_sent:
            try:
                await self.hang(request)
            except ClientGone:
                self.disconnects += 1
            return web.Response(status=504)
        reply = behaviour if isinstance(behaviour, Reply) else Reply()
        text = reply.text if reply.text is not None else self.reply_text
        pieces = chunks(text, reply.chunk_chars or self.chunk_chars)
        limit = (body.get("generationConfig") or {}).get("maxOutputTokens")
        reply, pieces = within_limit(reply, pieces, limit)
        finish = FINISH_REASONS.get(reply.finish_reason, reply.finish_reason.upper())
        if isinstance(behaviour, Reply):
            behaviour = reply
        try:
            return await self.stream(request, model, behaviour, pieces, n_prompt, finish)
        except ClientGone:
            self.disconnects += 1
            return web.Response(status=499)

    def event(
        self, model: str, text: str, n_prompt: int, n_out: int, *, final: str | None
    ) -> dict[str, Any]:
        candidate: dict[str, Any] = {
            "content": {"parts": [{"text": text}], "role": "model"},
            "index": 0,
        }
        usage: dict[str, Any] = {"promptTokenCount": n_prompt, "totalTokenCount": n_prompt}
        if final:
            candidate["finishReason"] = final
            usage = {
                "promptTokenCount": n_prompt,
                "candidatesTokenCount": n_out,
                "totalTokenCount": n_prompt + n_out,
            }
        return {
            "candidates": [candidate],
            "usageMetadata": usage,
            "modelVersion": model,
            "responseId": "fake-response",
        }

    async def stream(
        self,
        request: web.Request,
        model: str,
        behaviour: Any,
        pieces: list[str],
        n_prompt: int,
        finish: str = "STOP",
    ) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        delay = behaviour.delay if isinstance(behaviour, Reply) and behaviour.delay else self.delay
        for index, piece in enumerate(pieces):
            if isinstance(behaviour, Hang | Drop | Garbage) and index == behaviour.after_chunks:
                if isinstance(behaviour, Hang):
                    await self.hang(request)
                    raise ClientGone
                if isinstance(behaviour, Drop):
                    self.abort(request)
                    return response
                await self.write(request, response, b"data: {this is not json\r\n\r\n")
                await response.write_eof()
                return response
            if delay:
                await self.pause(request, delay)
            final = finish if index == len(pieces) - 1 else None
            event = self.event(model, piece, n_prompt, len(pieces), final=final)
            await self.write(request, response, f"data: {json.dumps(event)}\r\n\r\n".encode())
        await response.write_eof()
        self.completed += 1
        return response


def main(argv: list[str] | None = None) -> None:
    parser = cli_parser("Fake Gemini API server")
    parser.add_argument("--model", default="gemini-fake")
    parser.add_argument("--api-key", default=None, help="require this key")
    parser.add_argument("--input-token-limit", type=int, default=32768)
    args = parser.parse_args(argv)
    server = FakeGeminiServer(
        model=args.model,
        api_key=args.api_key,
        input_token_limit=args.input_token_limit,
        **common_options(args),
    )
    serve_forever(server, args)


if __name__ == "__main__":
    main()
