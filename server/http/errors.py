"""The one error shape of the REST API: {"error": {"code", "message", "details"?}}."""

from __future__ import annotations

from typing import Any

from aiohttp import web


def json_error(status: int, code: str, message: str, details: Any = None) -> web.Response:
    """A JSON error response; never an HTML page, never a stack trace."""
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return web.json_response({"error": body}, status=status)
