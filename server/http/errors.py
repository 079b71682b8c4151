"""The one error shape of the REST API: {"error": {"code", "message", "details"?, "request_id"}}.

Before a response has started it is a JSON body with a status; once a Server-Sent Events
stream has started it is the stream's last event, `event: error` with the same payload.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

from aiohttp import web

# Set by the request-id middleware for the request being handled (one task per request).
REQUEST_ID: ContextVar[str | None] = ContextVar("auro_request_id", default=None)
# The response whose headers went out for a request (set on prepare): it is the only one.
STARTED_RESPONSE = web.RequestKey("auro_started_response", web.StreamResponse)


def error_payload(code: str, message: str, details: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    request_id = REQUEST_ID.get()
    if request_id is not None:
        body["request_id"] = request_id
    return {"error": body}


def json_error(
    status: int,
    code: str,
    message: str,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """A JSON error response; never an HTML page, never a stack trace."""
    return web.json_response(error_payload(code, message, details), status=status, headers=headers)


def sse_error(payload: dict[str, Any]) -> bytes:
    """The final event of a stream that failed after it started (`error_payload` shape)."""
    return f"event: error\ndata: {json.dumps(payload)}\n\n".encode()


def is_event_stream(response: web.StreamResponse) -> bool:
    return response.content_type == "text/event-stream"


class ApiError(Exception):
    """Raise from a handler to answer with the one JSON error shape."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Any = None,
        headers: Mapping[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = dict(headers or {})

    def response(self) -> web.Response:
        response = json_error(self.status, self.code, self.message, self.details)
        response.headers.update(self.headers)
        return response
