"""Builds the sidecar's aiohttp application from the shared services."""

from __future__ import annotations

import logging

from aiohttp import web

from server.http import health_api
from server.http.errors import json_error
from server.services import Services

log = logging.getLogger(__name__)


@web.middleware
async def json_errors(request: web.Request, handler) -> web.StreamResponse:
    """Every failure leaves as JSON with a status: no HTML pages, no stack traces."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return json_error(exc.status, exc.reason.lower().replace(" ", "_"), exc.reason)
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return json_error(500, "internal_error", "internal server error; see the server log")


def create_app(services: Services) -> web.Application:
    app = web.Application(middlewares=[json_errors])
    health_api.add_routes(app, services)
    return app
