"""The ASGI-to-aiohttp bridge (`server.mcp.http.serve_asgi`) on the real sidecar app over
127.0.0.1, served as in production: the request reaches the ASGI app whole, the response
streams as it is sent, a client that leaves is reported as `http.disconnect`, failures keep
the API's JSON errors."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, web

from server.mcp.http import Message, Receive, Send, serve_asgi
from tests.support.mcp_http import served


def route(path: str, app: Any):
    """A `setup=` for `start_api`: serve the ASGI `app` at `path` through the bridge."""

    async def handler(request: web.Request) -> web.StreamResponse:
        return await serve_asgi(app, request)

    def setup(aio: web.Application) -> None:
        aio.router.add_route("*", path, handler)

    return setup


async def start(send: Send, status: int = 200, content_type: bytes = b"text/plain") -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", content_type)],
        }
    )


async def test_the_app_gets_the_request_as_asgi(tmp_path: Path) -> None:
    seen: dict[str, Any] = {}

    async def echo(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        message = await receive()
        seen.update(scope=scope, message=message)
        await start(send, 201, b"application/json")
        body = {"path": scope["path"], "query": scope["query_string"].decode()}
        await send({"type": "http.response.body", "body": json.dumps(body).encode()})

    async with served(tmp_path, route("/asgi", echo)) as srv, ClientSession(srv.url) as client:
        response = await client.post(
            "/asgi?x=1", data=b'{"a": 1}', headers=srv.auth(**{"X-Custom": "Yes"})
        )
        assert response.status == 201
        assert await response.json() == {"path": "/asgi", "query": "x=1"}
        assert response.headers["X-Request-Id"]  # the sidecar's own headers are still added
        scope, message = seen["scope"], seen["message"]
        assert scope["type"] == "http" and scope["method"] == "POST"
        assert (b"x-custom", b"Yes") in scope["headers"]  # names lower-cased, as ASGI requires
        assert scope["client"][0] == "127.0.0.1"
        assert message == {"type": "http.request", "body": b'{"a": 1}', "more_body": False}


async def test_the_response_streams_as_the_app_sends_it(tmp_path: Path) -> None:
    release = asyncio.Event()

    async def two_parts(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        await start(send, content_type=b"text/event-stream")
        await send({"type": "http.response.body", "body": b"data: one\n\n", "more_body": True})
        await release.wait()  # the second part exists only after the client saw the first
        await send({"type": "http.response.body", "body": b"data: two\n\n", "more_body": False})

    async with (
        served(tmp_path, route("/stream", two_parts)) as srv,
        ClientSession(srv.url) as client,
    ):
        response = await client.get("/stream", headers=srv.auth())
        assert response.status == 200
        assert await asyncio.wait_for(response.content.readuntil(b"\n\n"), 5) == b"data: one\n\n"
        release.set()
        assert await asyncio.wait_for(response.content.read(), 5) == b"data: two\n\n"


async def test_a_client_that_leaves_is_reported_to_the_app(tmp_path: Path) -> None:
    heard: asyncio.Queue[tuple[Message, float]] = asyncio.Queue()

    async def waits_for_the_client(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        await receive()  # the (empty) body
        await start(send, content_type=b"text/event-stream")
        await send({"type": "http.response.body", "body": b": open\n\n", "more_body": True})
        message = await receive()  # nothing is written meanwhile: only the poll can notice
        await heard.put((message, time.monotonic()))

    async with (
        served(tmp_path, route("/idle", waits_for_the_client)) as srv,
        ClientSession(srv.url) as client,
    ):
        response = await client.get("/idle", headers=srv.auth())
        assert await asyncio.wait_for(response.content.readuntil(b"\n\n"), 5) == b": open\n\n"
        left = time.monotonic()
        response.close()  # drops the connection
        message, noticed = await asyncio.wait_for(heard.get(), 5)
        assert message == {"type": "http.disconnect"}
        assert noticed - left < 2


async def test_a_failure_before_the_response_is_a_json_500(tmp_path: Path) -> None:
    async def broken(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        raise ValueError("boom")

    async with served(tmp_path, route("/broken", broken)) as srv, ClientSession(srv.url) as client:
        response = await client.get("/broken", headers=srv.auth())
        assert response.status == 500
        body = await response.json()
        assert body["error"]["code"] == "internal_error"
        assert "boom" not in json.dumps(body)


async def test_a_failure_mid_stream_ends_the_stream(tmp_path: Path) -> None:
    async def half(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        await start(send)
        await send({"type": "http.response.body", "body": b"part", "more_body": True})
        raise ValueError("boom")

    async with served(tmp_path, route("/half", half)) as srv, ClientSession(srv.url) as client:
        response = await client.get("/half", headers=srv.auth())
        assert response.status == 200
        assert await asyncio.wait_for(response.content.read(), 5) == b"part"


async def test_the_bridge_sits_behind_the_api_token(tmp_path: Path) -> None:
    calls: list[str] = []

    async def counted(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        calls.append(scope["path"])
        await start(send)
        await send({"type": "http.response.body", "body": b"ok"})

    async with (
        served(tmp_path, route("/counted", counted)) as srv,
        ClientSession(srv.url) as client,
    ):
        refused = await client.get("/counted")
        assert refused.status == 401
        assert (await refused.json())["error"]["code"] == "unauthorized"
        assert calls == []
