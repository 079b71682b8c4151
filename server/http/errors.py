"""The one error shape of the REST API: {"error": {"code", "message", "details"?, "request_id"}}."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from aiohttp import web

# Set by the request-id middleware for the request being handled (one task per request).
REQUEST_ID: ContextVar[str | None] = ContextVar("auro_request_id", default=None)


def json_error(
    status: int,
    code: str,
    message: str,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """A JSON error response; never an HTML page, never a stack trace."""
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    request_id = REQUEST_ID.get()
    if request_id is not None:
        body["request_id"] = request_id
    return web.json_response({"error": body}, status=status, headers=headers)
