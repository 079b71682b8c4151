"""Streamable HTTP MCP inside the aiohttp sidecar: an ASGI-to-aiohttp bridge and the SDK's
session manager run on the sidecar's own loop (no second port, no uvicorn thread).

The SDK ships its streamable HTTP transport as an ASGI app (`StreamableHTTPSessionManager`).
`serve_asgi` runs any ASGI HTTP app for one aiohttp request: the body is read first (under
the route's size limit), the response is streamed as the app sends it, and the app learns
that the client left (`http.disconnect`) within `DISCONNECT_POLL` seconds even when it is
writing nothing, so an idle event stream does not outlive its client.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from aiohttp import web
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

from server.http.json_body import read_body

log = logging.getLogger(__name__)

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
AsgiApp = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]

DISCONNECT_POLL = 0.25  # seconds between checks that an idle client is still connected
STOP_TIMEOUT = 2.0  # seconds the session manager gets to end its sessions before it is cancelled


def asgi_scope(request: web.Request) -> dict[str, Any]:
    """The ASGI `http` scope of an aiohttp request (header names lower-cased, as ASGI wants)."""
    transport = request.transport
    peer = transport.get_extra_info("peername") if transport is not None else None
    sock = transport.get_extra_info("sockname") if transport is not None else None
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": f"{request.version.major}.{request.version.minor}",
        "method": request.method,
        "scheme": request.scheme,
        "path": request.path,
        "raw_path": request.raw_path.partition("?")[0].encode("latin-1", "replace"),
        "query_string": request.query_string.encode("latin-1", "replace"),
        "root_path": "",
        "headers": [(name.lower(), value) for name, value in request.raw_headers],
        "client": tuple(peer[:2]) if isinstance(peer, tuple) else None,
        "server": tuple(sock[:2]) if isinstance(sock, tuple) else None,
        "state": {},
    }


class _Exchange:
    """One request/response between aiohttp and an ASGI app."""

    def __init__(self, request: web.Request, body: bytes):
        self._request = request
        self._body: bytes | None = body
        self._lost = False  # a write found the connection closed
        self._ended = asyncio.Event()  # the handler is done with this request
        self.response: web.StreamResponse | None = None
        self._finished = False

    def client_gone(self) -> bool:
        transport = self._request.transport
        return self._lost or transport is None or transport.is_closing()

    def end(self) -> None:
        """The handler is done: any receive still waiting hears `http.disconnect`."""
        self._ended.set()

    async def receive(self) -> Message:
        if self._body is not None:
            body, self._body = self._body, None
            return {"type": "http.request", "body": body, "more_body": False}
        while not self.client_gone() and not self._ended.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._ended.wait(), DISCONNECT_POLL)
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        """Headers go out on `http.response.start` (an event stream may send nothing more for
        a long time); after the client left, sends are dropped, as uvicorn does: the app
        learns it from `receive`."""
        kind = message["type"]
        if kind == "http.response.start":
            if self.response is not None:
                raise RuntimeError("ASGI app started its response twice")
            self.response = web.StreamResponse(status=message["status"])
            for name, value in message.get("headers", []):
                self.response.headers.add(name.decode("latin-1"), value.decode("latin-1"))
            await self._guarded(self.response.prepare, self._request)
        elif kind == "http.response.body":
            if self.response is None:
                raise RuntimeError("ASGI app sent a body before its status")
            if self._finished:
                return
            body = message.get("body", b"")
            if body:
                await self._guarded(self.response.write, body)
            if not message.get("more_body", False):
                self._finished = True
                await self._guarded(self.response.write_eof)

    async def _guarded(self, step: Callable[..., Awaitable[object]], *args: Any) -> None:
        if self.client_gone():
            return
        try:
            await step(*args)
        except ConnectionResetError:
            self._lost = True

    async def finish(self) -> web.StreamResponse:
        """The response to hand back to aiohttp, ended if the app left it open."""
        if self.response is None:
            if self.client_gone():  # nobody is there to read an answer
                return web.Response(status=499)
            raise RuntimeError("ASGI app returned without a response")
        if not self._finished:
            self._finished = True
            await self._guarded(self.response.write_eof)
        return self.response


async def serve_asgi(app: AsgiApp, request: web.Request) -> web.StreamResponse:
    """Answer `request` with the ASGI app; a failure before the response started is raised
    (the sidecar's middleware makes it a JSON 500), after it the response is just ended."""
    exchange = _Exchange(request, await read_body(request))
    try:
        await app(asgi_scope(request), exchange.receive, exchange.send)
    except Exception:
        if exchange.response is None:
            raise
        log.exception("ASGI app failed after its response started")
    finally:
        exchange.end()
    return await exchange.finish()


class McpHttpEndpoint:
    """The SDK's streamable HTTP session manager for one sidecar: started and stopped with it.

    `run()` is the SDK's task-group context; it is entered and left in one task of its own (an
    anyio cancel scope must be), so the sidecar's startup and shutdown hooks only signal it.
    Stopping cancels every session, which ends their open event streams: the sidecar's own
    shutdown then has no long-lived `/mcp` handler left to wait for.
    """

    def __init__(self, manager: StreamableHTTPSessionManager):
        self._manager = manager
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        started = asyncio.Event()

        async def run() -> None:
            async with self._manager.run():
                started.set()
                await self._stopping.wait()

        self._task = asyncio.create_task(run(), name="mcp-http-sessions")
        waiter = asyncio.ensure_future(started.wait())
        await asyncio.wait({self._task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        if self._task.done():
            self._task.result()  # the failure to start, raised here

    async def stop(self) -> None:
        if self._task is None:
            return
        self._stopping.set()
        try:
            await asyncio.wait_for(self._task, STOP_TIMEOUT)
        except TimeoutError:
            log.warning("MCP sessions did not end within %.0f s; cancelled", STOP_TIMEOUT)
        except Exception:
            log.exception("MCP session manager failed while stopping")

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if not self.running:
            raise web.HTTPServiceUnavailable(reason="MCP sessions are not running")
        return await serve_asgi(self._manager.handle_request, request)
