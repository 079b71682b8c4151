"""JSON-RPC hardening of the stdio server: every request gets an answer, no frame kills it.

pygls 2.1 leaves several inputs unanswered or crashes on them; a client then waits forever:

* malformed JSON and non-object messages: logged, no answer. Now -32700 / -32600 (id null).
* a request whose params do not structure (wrong types, `params` missing for a custom
  method): no answer. Now -32602 (or -32600 for a bad id or envelope).
* requests before `initialize`: they ran against half-built state (-32603 with a
  traceback). Now -32002 ServerNotInitialized; notifications then are dropped (but `exit`).
* a second `initialize`: rebuilt every service. Now -32600.
* requests after `shutdown`: silently dropped. Now -32600, as the LSP spec says.
* `shutdown` while another request runs: pygls cancels the others while iterating the
  futures dict, and a synchronously cancelled future removes itself from that dict ->
  "dictionary changed size during iteration" and `shutdown` never answers.
* `exit`: pygls raises SystemExit, which its stdio loop swallows, so the code was always 0
  (the spec says 1 without a prior `shutdown`), and the process then waited for the stdin
  reader thread and for `shutdown` to finish closing. Now `exit` asks the server to leave
  (`AuroLanguageServer.leave`: bounded cleanup, then `os._exit` with 0 or 1).
* malformed frame headers (lower case, padded, LF-only, missing or non-numeric length)
  left the reader out of step for good: `serve_frames` reads them with `server.lsp.rpc_frames`.
* a `Content-Length` of terabytes: `stdin.read(n)` allocates n bytes (MemoryError kills the
  read loop). Bodies above MAX_MESSAGE_BYTES are drained in chunks and answered -32700.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any, BinaryIO

from lsprotocol import types
from pygls.exceptions import (
    JsonRpcException,
    JsonRpcInvalidParams,
    JsonRpcInvalidRequest,
    JsonRpcParseError,
    JsonRpcServerNotInitialized,
)
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import RPCError, RPCNotification, RPCRequest, RPCResponse
from pygls.protocol.language_server import lsp_method

from server.lsp.rpc_frames import BadFrame, FrameReader

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 64 * 1024 * 1024
MAX_HEADER_LINE = 64 * 1024
UNPARSEABLE = b"\x00"  # what an over-long body is replaced with: a parse error


def _valid_id(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


class Unstructured:
    """A message whose envelope or params could not be structured, kept to answer it."""

    def __init__(self, data: dict[str, Any], error: JsonRpcException) -> None:
        self.data = data
        self.error = error


class GuardedProtocol(LanguageServerProtocol):
    """LanguageServerProtocol that answers every request, including the broken ones."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initialize_received = False
        self.shutdown_started = False
        self.shutdown_id: Any = None

    # -- decoding --------------------------------------------------------------------------
    def structure_message(self, data: dict[str, Any]) -> Any:
        if "jsonrpc" not in data:
            return data
        if "method" in data and not isinstance(data["method"], str):
            return Unstructured(data, JsonRpcInvalidRequest("method must be a string"))
        if (
            "method" in data
            and "params" not in data
            and not self.get_message_type(str(data["method"]))
        ):
            data = {**data, "params": None}  # params are optional in JSON-RPC
        if "id" in data and data["id"] is not None and not _valid_id(data["id"]):
            return Unstructured(data, JsonRpcInvalidRequest("id must be a string or an integer"))
        try:
            return super().structure_message(data)
        except JsonRpcInvalidParams as exc:
            return Unstructured(data, exc)
        except JsonRpcException as exc:
            method = data.get("method")
            detail = f"{method}: invalid params" if isinstance(method, str) else "invalid message"
            error = JsonRpcInvalidParams(detail) if "method" in data else JsonRpcInvalidRequest()
            error.__cause__ = exc
            return Unstructured(data, error)

    def send_error(self, msg_id: Any, error: JsonRpcException) -> None:
        """An error response; `msg_id` None is sent as `"id": null` (JSON-RPC 2.0 §5)."""
        body: dict[str, Any] = {"code": error.code, "message": error.message}
        if error.data is not None:
            body["data"] = error.data
        self._send_data({"jsonrpc": "2.0", "id": msg_id, "error": body})

    def parse_error(self, exc: BaseException) -> None:
        log.warning("unparseable JSON-RPC message: %s", str(exc)[:200])
        self.send_error(None, JsonRpcParseError(f"Parse error: {type(exc).__name__}"))

    # -- dispatch --------------------------------------------------------------------------
    def handle_message(self, message: Any) -> None:
        if isinstance(message, Unstructured):
            data, msg_id = message.data, message.data.get("id")
            log.warning("invalid JSON-RPC message: %s", message.error)
            if "method" not in data or msg_id is not None:  # never answer a notification
                self.send_error(msg_id if _valid_id(msg_id) else None, message.error)
            return
        if not isinstance(message, RPCRequest | RPCNotification | RPCResponse | RPCError):
            msg_id = message.get("id") if isinstance(message, dict) else None
            log.warning("not a JSON-RPC message: %s", str(message)[:200])
            self.send_error(msg_id if _valid_id(msg_id) else None, JsonRpcInvalidRequest())
            return
        if message.jsonrpc != self.VERSION:
            if isinstance(message, RPCRequest):
                self.send_error(message.id, JsonRpcInvalidRequest('jsonrpc must be "2.0"'))
            return
        if isinstance(message, RPCRequest):
            if self._refuse_request(message):
                return
        elif isinstance(message, RPCNotification):
            if not self.initialize_received and message.method != types.EXIT:
                log.warning("dropping notification %r before initialize", message.method)
                return
        super().handle_message(message)

    def _refuse_request(self, message: Any) -> bool:
        method = message.method
        if (self._shutdown or self.shutdown_started) and method != types.EXIT:
            self.send_error(message.id, JsonRpcInvalidRequest("server is shutting down"))
            return True
        if method == types.SHUTDOWN and self.initialize_received:
            self.shutdown_started, self.shutdown_id = True, message.id
        if method == types.INITIALIZE:
            if self.initialize_received:
                self.send_error(message.id, JsonRpcInvalidRequest("already initialized"))
                return True
            self.initialize_received = True
            return False
        if not self.initialize_received:
            self.send_error(message.id, JsonRpcServerNotInitialized(f"{method}: not initialized"))
            return True
        return False

    @lsp_method(types.SHUTDOWN)
    def lsp_shutdown(self, *args: Any) -> Any:
        """The user handler closes everything (it cancels the other requests first, so a chat
        turn is stored as cancelled before its session store closes)."""
        if (user_handler := self.fm.features.get(types.SHUTDOWN)) is not None:
            yield user_handler, args, None
        self._shutdown = True
        return None

    def cancel_requests(self, keep: Any = None) -> list[asyncio.Future[Any]]:
        """Cancel every running handler but `shutdown` and `keep`; return those still
        finishing (a cancelled handler may still be storing what it did). Handlers that
        pygls runs for a generator (`shutdown`'s user handler) are keyed by a uuid, hence
        `keep`. Iterates over a copy: a cancelled future's done-callback pops it."""
        pending: list[asyncio.Future[Any]] = []
        for msg_id, future in list(self._request_futures.items()):
            if msg_id == self.shutdown_id or future is keep or future.done():
                continue
            future.cancel()
            if isinstance(future, asyncio.Future):
                pending.append(future)
        return pending

    @lsp_method(types.EXIT)
    def lsp_exit(self, *args: Any) -> None:
        """Leave at once: 0 after `shutdown` (even one still closing), 1 without (LSP spec)."""
        code = 0 if (self._shutdown or self.shutdown_started) else 1
        self._server.leave(code, "exit notification")  # type: ignore[attr-defined]


async def serve_frames(
    frames: FrameReader,
    protocol: GuardedProtocol,
    on_error: Callable[[Exception, type[JsonRpcException]], Any],
) -> None:
    """pygls' read loop (`pygls.io_.run_async`) over lenient frames, until the input ends.

    A header block without a usable length is answered -32700 (id null) and skipped."""
    while (body := await frames.next()) is not None:
        if isinstance(body, BadFrame):
            log.warning("dropping a JSON-RPC frame: %s", body.reason)
            protocol.send_error(None, JsonRpcParseError(f"Parse error: {body.reason}"))
            continue
        try:
            message = json.loads(body, object_hook=protocol.structure_message)
            protocol.handle_message(message)
        except Exception as exc:
            if not is_parse_failure(exc):
                log.exception("unable to handle a message")
            on_error(exc, JsonRpcException)


class BoundedStdin:
    """stdin for pygls' reader with bounded header lines and bodies.

    A body longer than `max_body` is read and discarded in 1 MiB pieces (so the stream stays
    in sync with the client's framing) and replaced by an unparseable byte -> -32700.
    """

    def __init__(self, raw: BinaryIO, max_body: int = MAX_MESSAGE_BYTES) -> None:
        self._raw = raw
        self.max_body = max_body

    def readline(self) -> bytes:
        return self._raw.readline(MAX_HEADER_LINE)

    def read(self, n: int) -> bytes:
        if n <= self.max_body:
            return self._raw.read(n)
        log.error("discarding a %d-byte message (limit %d bytes)", n, self.max_body)
        remaining = n
        while remaining > 0:
            piece = self._raw.read(min(remaining, 1 << 20))
            if not piece:
                return b""
            remaining -= len(piece)
        return UNPARSEABLE


def is_parse_failure(error: BaseException) -> bool:
    """What pygls' read loop raises for a body that is not JSON at all."""
    return isinstance(error, json.JSONDecodeError | UnicodeDecodeError | RecursionError)
