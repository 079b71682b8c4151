"""An answer for requests the SDK cannot read.

JSON may escape a lone surrogate (`"caf\\udce9.py"`, a file name that is not UTF-8 as Python
spells it); the SDK's reader refuses such a line as invalid JSON and drops it, so the agent
would wait for an answer that never comes. This filter sits between the transport's read
stream and the server: when a dropped line still names a request id, that request gets a
JSON-RPC error saying why, and everything else passes through unchanged.
"""

from __future__ import annotations

import json
from typing import Any

from anyio.abc import ObjectReceiveStream, ObjectSendStream
from mcp.shared.message import SessionMessage
from mcp_types import INVALID_PARAMS, ErrorData, JSONRPCError
from pydantic import ValidationError

NOT_UNICODE = (
    "the request holds text that is not valid Unicode (a lone surrogate such as \\udce9); "
    "a file whose name is not UTF-8 cannot be named over MCP"
)


def request_id(error: Exception) -> int | str | None:
    """The id of the request in a line the SDK refused as invalid JSON, if it has one."""
    if not isinstance(error, ValidationError):
        return None
    for detail in error.errors():
        if detail.get("type") != "json_invalid" or not isinstance(detail.get("input"), str):
            continue
        try:
            message = json.loads(detail["input"])  # Python's parser accepts lone surrogates
        except ValueError:
            return None
        if isinstance(message, dict) and "method" in message:
            found = message.get("id")
            if isinstance(found, int) and not isinstance(found, bool):
                return found
            if isinstance(found, str) and found.isascii():
                return found
    return None


async def answer_unreadable(
    read: ObjectReceiveStream[Any],
    forward: ObjectSendStream[Any],
    write: ObjectSendStream[SessionMessage],
) -> None:
    """Pass `read` on to `forward`; answer the requests the SDK could not read."""
    async with forward:
        async for item in read:
            found = request_id(item) if isinstance(item, Exception) else None
            if found is None:
                await forward.send(item)
                continue
            error = ErrorData(code=INVALID_PARAMS, message=NOT_UNICODE)
            await write.send(SessionMessage(JSONRPCError(jsonrpc="2.0", id=found, error=error)))
