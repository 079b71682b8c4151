"""Shared machinery of the fake LLM servers: scripted misbehaviour, counters, a CLI.

A test pushes behaviours (`Reply`, `Fail`, `Hang`, `Drop`, `Garbage`) that the next
generation requests consume in order; when the script is empty the default reply is sent.
Other processes script and inspect a running fake over HTTP:
`POST /_fake/script` with a JSON list of behaviours, `GET /_fake/stats`, `POST /_fake/reset`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import zlib
from abc import ABC, abstractmethod
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any

from aiohttp import web

HANG_LIMIT = 30.0  # a hanging handler gives up after this many seconds


@dataclass
class Reply:
    """Answer normally; None fields use the server defaults."""

    text: str | None = None
    chunk_chars: int | None = None
    delay: float | None = None
    finish_reason: str = "stop"  # "length" when a limit or the window cut the reply


@dataclass
class Fail:
    """Answer with an HTTP error status and body (the provider's JSON error shape if None)."""

    status: int = 500
    message: str = "internal error"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Hang:
    """Stop answering: before the response headers, or after `after_chunks` content chunks."""

    headers_sent: bool = True
    after_chunks: int = 0


@dataclass
class Drop:
    """Abort the TCP connection after `after_chunks` content chunks."""

    after_chunks: int = 1


@dataclass
class Garbage:
    """Send a malformed `data:` line after `after_chunks` content chunks, then end the stream."""

    after_chunks: int = 0


Behaviour = Reply | Fail | Hang | Drop | Garbage
KINDS: dict[str, type] = {
    "reply": Reply,
    "fail": Fail,
    "hang": Hang,
    "drop": Drop,
    "garbage": Garbage,
}


def rate_limited(retry_after: float) -> Fail:
    return Fail(429, "rate limit exceeded", {"Retry-After": f"{retry_after:g}"})


def behaviour_from_json(data: dict[str, Any]) -> Behaviour:
    values = dict(data)
    return KINDS[values.pop("kind")](**values)


def behaviour_to_json(behaviour: Behaviour) -> dict[str, Any]:
    kind = next(k for k, v in KINDS.items() if isinstance(behaviour, v))
    return {"kind": kind, **asdict(behaviour)}


def fake_tokens(text: str) -> list[int]:
    """The fakes' tokenizer: one token per whitespace-separated word."""
    return [zlib.crc32(word.encode()) % 32000 for word in text.split()]


def chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), max(1, size))] or [""]


def within_limit(reply: Reply, pieces: list[str], limit: Any) -> tuple[Reply, list[str]]:
    """Honour the request's reply limit as a real server does: one piece is one token, and
    a reply cut by the limit ends with `finish_reason: "length"`."""
    if isinstance(limit, int) and 0 < limit < len(pieces):
        return Reply(reply.text, reply.chunk_chars, reply.delay, "length"), pieces[:limit]
    return reply, pieces


class ClientGone(Exception):
    """The client closed the connection while we were streaming."""


class DisconnectWatch(asyncio.Protocol):
    """Stands between a connection's transport and aiohttp's protocol, passing everything
    on, to learn the moment the client's connection is lost."""

    def __init__(self, inner: asyncio.Protocol) -> None:
        self.inner = inner
        self.gone = asyncio.Event()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received()

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        self.gone.set()
        self.inner.connection_lost(exc)


def watch_disconnect(transport: asyncio.BaseTransport) -> asyncio.Event:
    """An event set when `transport`'s connection is lost (the watch is installed once)."""
    protocol = transport.get_protocol()
    if not isinstance(protocol, DisconnectWatch):
        protocol = DisconnectWatch(protocol)  # type: ignore[arg-type]
        transport.set_protocol(protocol)
    return protocol.gone


class FakeServer(ABC):
    """An aiohttp server on 127.0.0.1 with scripted behaviour and request counters."""

    def __init__(
        self,
        *,
        reply_text: str = "Hello from the fake model.",
        chunk_chars: int = 5,
        delay: float = 0.0,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.reply_text = reply_text
        self.chunk_chars = chunk_chars
        self.delay = delay
        self.host = host
        self.port = port
        self.script: deque[Behaviour] = deque()
        self.requests: list[dict[str, Any]] = []
        self.disconnects = 0
        self.completed = 0
        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()

    # -- lifecycle -------------------------------------------------------------
    @abstractmethod
    def routes(self) -> list[web.RouteDef]:
        """The provider's own endpoints."""

    def app(self) -> web.Application:
        app = web.Application()
        app.add_routes(self.routes())
        app.add_routes(
            [
                web.get("/_fake/stats", self._stats),
                web.post("/_fake/script", self._push_script),
                web.post("/_fake/reset", self._reset),
            ]
        )
        return app

    async def start(self) -> FakeServer:
        self._runner = web.AppRunner(self.app(), access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        self._stopping.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- scripting and counters -------------------------------------------------
    def push(self, *behaviours: Behaviour) -> None:
        self.script.extend(behaviours)

    def next_behaviour(self) -> Behaviour:
        return self.script.popleft() if self.script else Reply()

    @property
    def request_count(self) -> int:
        """Generation requests received (health, tokenize and props are not counted)."""
        return len(self.requests)

    def reset(self) -> None:
        self.script.clear()
        self.requests.clear()
        self.disconnects = 0
        self.completed = 0

    def stats(self) -> dict[str, Any]:
        return {
            "requests": self.request_count,
            "disconnects": self.disconnects,
            "completed": self.completed,
            "pending_script": [behaviour_to_json(b) for b in self.script],
        }

    async def wait_for_disconnects(self, count: int = 1, timeout: float = 3.0) -> bool:
        """Poll until the server has seen `count` client disconnects."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.disconnects < count and loop.time() < deadline:
            await asyncio.sleep(0.01)
        return self.disconnects >= count

    async def _stats(self, _: web.Request) -> web.Response:
        return web.json_response(self.stats())

    async def _push_script(self, request: web.Request) -> web.Response:
        self.push(*(behaviour_from_json(item) for item in await request.json()))
        return web.json_response(self.stats())

    async def _reset(self, _: web.Request) -> web.Response:
        self.reset()
        return web.json_response(self.stats())

    # -- streaming helpers ------------------------------------------------------
    async def pause(self, request: web.Request, seconds: float) -> None:
        """Sleep, but notice at once when the client goes away (the moment its connection
        is lost, not at the next poll: cancellation latency is measured with this)."""
        transport = request.transport
        if transport is None or transport.is_closing():
            raise ClientGone
        gone = watch_disconnect(transport)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not gone.is_set():
            remaining = deadline - loop.time()
            if remaining <= 0 or self._stopping.is_set():
                return
            try:
                await asyncio.wait_for(gone.wait(), min(0.05, remaining))
            except TimeoutError:
                continue
        raise ClientGone

    async def write(self, request: web.Request, response: web.StreamResponse, data: bytes) -> None:
        transport = request.transport
        if transport is None or transport.is_closing():
            raise ClientGone
        try:
            await response.write(data)
        except (ConnectionError, RuntimeError) as exc:
            raise ClientGone from exc

    async def hang(self, request: web.Request) -> None:
        await self.pause(request, HANG_LIMIT)

    @staticmethod
    def abort(request: web.Request) -> None:
        if request.transport is not None:
            request.transport.abort()


def cli_parser(description: str) -> argparse.ArgumentParser:
    """Options every fake accepts; each fake adds its own before parsing."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 = any free port")
    parser.add_argument("--reply", default="Hello from the fake model.", help="reply text")
    parser.add_argument("--chunk-chars", type=int, default=5, help="characters per delta")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each delta")
    parser.add_argument("--script", default="[]", help="JSON list of behaviours to queue")
    return parser


def common_options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "host": args.host,
        "port": args.port,
        "reply_text": args.reply,
        "chunk_chars": args.chunk_chars,
        "delay": args.delay,
    }


def serve_forever(server: FakeServer, args: argparse.Namespace) -> None:
    """Run until interrupted; prints `READY <url>` on stdout once listening."""
    server.push(*(behaviour_from_json(item) for item in json.loads(args.script)))

    async def run() -> None:
        await server.start()
        sys.stdout.write(f"READY {server.url}\n")
        sys.stdout.flush()
        try:
            await asyncio.Event().wait()
        finally:
            await server.stop()

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass
