"""No second response once one has started: a handler that fails (or answers again) after its
stream started ends that stream with an `event: error`, and the connection stays usable."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiohttp import web

from server.http.errors import json_error


def sse_stream(after_start) -> web.RequestHandler:
    """A plain route that starts an event stream, sends one event, then calls `after_start`."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        await response.write(b'data: {"text": "first"}\n\n')
        return after_start()

    return handler


def crash() -> web.StreamResponse:
    raise RuntimeError("boom after the stream started")


def bad_request() -> web.StreamResponse:
    raise web.HTTPBadRequest()


def answer_again() -> web.StreamResponse:
    return json_error(409, "conflict", "changed while streaming")


@pytest.mark.parametrize(
    ("after_start", "code"),
    [(crash, "internal_error"), (bad_request, "bad_request"), (answer_again, "conflict")],
)
async def test_a_failure_after_the_stream_started_ends_it_with_an_error_event(
    start_api, after_start, code
):
    def setup(app: web.Application) -> None:
        app.router.add_get("/api/v1/test/stream", sse_stream(after_start))

    api = await start_api(setup=setup)
    response = await api.client.get("/api/v1/test/stream", headers=api.auth())
    assert response.status == 200
    async with asyncio.timeout(10):
        body = (await response.read()).decode()
    assert "HTTP/1.1" not in body, "a second response inside the stream"
    first, last = body.strip().split("\n\n")
    assert first == 'data: {"text": "first"}'
    kind, data = last.splitlines()
    assert kind == "event: error"
    error = json.loads(data.removeprefix("data: "))["error"]
    assert error["code"] == code and error["request_id"] == response.headers["X-Request-Id"]
    # the same keep-alive connection still answers
    health = await api.client.get("/api/v1/health/liveness")
    assert health.status == 200
