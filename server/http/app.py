"""Builds the sidecar's aiohttp application from the shared services.

Middlewares, outermost first: request id + metrics + JSON errors, Host check, CORS,
rate limit, bearer token, body size, stream slots; then the route handler.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

from aiohttp import web

from server.http import (
    chat_api,
    files_api,
    health_api,
    mcp_api,
    meta_api,
    rag_api,
    tools_api,
    webui_api,
)
from server.http.errors import (
    REQUEST_ID,
    STARTED_RESPONSE,
    error_payload,
    is_event_stream,
    json_error,
    sse_error,
)
from server.http.limits import RateLimiter, StreamSlots, body_limit, largest_body
from server.http.metrics import Metrics
from server.http.routing import CORS_ORIGIN_KEY, REQUEST_ID_KEY
from server.http.security import TokenAuth, bearer_auth, cors, host_check
from server.services import Services

log = logging.getLogger(__name__)

AUTH = web.AppKey("auro_auth", TokenAuth)
STREAMS = web.AppKey("auro_streams", StreamSlots)
RATE = web.AppKey("auro_rate", RateLimiter)
REQUEST_ID_HEADER = "X-Request-Id"
_GOOD_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

CODES = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}


@web.middleware
async def json_errors(request: web.Request, handler) -> web.StreamResponse:
    """Every failure leaves as JSON with a status: no HTML pages, no stack traces. Once a
    response has started, no second one is ever written (see `_settle`)."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = CODES.get(exc.status) or exc.reason.lower().replace(" ", "_")
        headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
        return await _settle(request, json_error(exc.status, code, exc.reason, headers=headers))
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        error = json_error(500, "internal_error", "internal server error; see the server log")
        return await _settle(request, error)
    started = request.get(STARTED_RESPONSE)
    if started is not None and response is not started:
        log.error("%s %s answered again after its response started", request.method, request.path)
        return await _settle(request, response)
    return response


async def _settle(request: web.Request, error: web.StreamResponse) -> web.StreamResponse:
    """`error`, unless a response already started: then that one is returned to be ended
    (a second status line inside a chunked body would corrupt the connection), an event
    stream getting `error` as its final `event: error`."""
    started = request.get(STARTED_RESPONSE)
    if started is None:
        return error
    if is_event_stream(started):
        try:
            await started.write(sse_error(_payload(error)))
        except (ConnectionError, RuntimeError):  # client gone, or the stream already ended
            pass
    return started


def _payload(response: web.StreamResponse) -> dict[str, Any]:
    """The JSON error carried by `response`, or a generic one."""
    if isinstance(response, web.Response) and isinstance(response.body, bytes):
        try:
            body = json.loads(response.body)
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            return body
    return error_payload("internal_error", "internal server error; see the server log")


def _route_label(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


def observe(metrics: Metrics):
    """Request id (X-Request-Id, also in error bodies and the access log) and metrics."""

    @web.middleware
    async def middleware(request: web.Request, handler) -> web.StreamResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _GOOD_ID.match(incoming) else uuid.uuid4().hex
        request[REQUEST_ID_KEY] = request_id
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = 500
        try:
            response = await json_errors(request, handler)
            status = response.status
            if not response.prepared:
                response.headers[REQUEST_ID_HEADER] = request_id
            return response
        finally:
            metrics.observe(
                _route_label(request), request.method, status, time.perf_counter() - started
            )
            REQUEST_ID.reset(token)

    return middleware


async def _on_prepare(request: web.Request, response: web.StreamResponse) -> None:
    """Headers every response carries, streamed ones included; remembers the response."""
    request[STARTED_RESPONSE] = response
    if REQUEST_ID_KEY in request:
        response.headers.setdefault(REQUEST_ID_HEADER, request[REQUEST_ID_KEY])
    origin = request.get(CORS_ORIGIN_KEY)
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = "X-Request-Id, Retry-After"
        response.headers["Vary"] = "Origin"
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Cache-Control", "no-store")


def create_app(services: Services, *, bind_host: str | None = None) -> web.Application:
    """The API app; `bind_host` (default AURO_HTTP_HOST) joins the Host allow-list."""

    def settings():
        return services.settings

    auth = TokenAuth(services)
    metrics = Metrics(services)
    rate = RateLimiter(settings)
    streams = StreamSlots(settings)
    app = web.Application(
        middlewares=[
            observe(metrics),
            host_check(settings, bind_host or services.settings.http_host),
            cors(settings),
            rate.middleware(),
            bearer_auth(auth),
            body_limit(settings),
            streams.middleware(),
        ],
        client_max_size=largest_body(services.settings, images=True),  # routes check their own
    )
    app[AUTH] = auth
    app[RATE] = rate
    app[STREAMS] = streams
    app.on_response_prepare.append(_on_prepare)
    health_api.add_routes(app, services)
    tools_api.add_routes(app, services.tools)
    rag_api.add_routes(app, services)
    meta_api.add_routes(app, metrics)
    chat_api.add_routes(app, services)
    files_api.add_routes(app, services)
    webui_api.add_routes(app)
    mcp_api.add_routes(app, services)  # MCP over streamable HTTP at /mcp
    return app
