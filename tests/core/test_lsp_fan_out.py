"""The server's lifecycle fan-out, in process: the real `AuroLanguageServer` read through its
own JSON-RPC framing, with features that record what reaches them.

LSP allows one handler per method; these tests show that every feature observes
`initialize`, `initialized`, the document events and `shutdown`, in the order they were
added, and that a failing feature neither hides an event from the others nor (but at
`initialize`) fails the message.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
from lsprotocol import types

from server.lsp.language_feature import LanguageFeature
from server.lsp.rpc_frames import FrameReader, StreamLines
from server.lsp.rpc_guard import GuardedProtocol, serve_frames
from server.lsp.server import AuroLanguageServer

URI = "file:///work/notes.py"
EVENTS = [
    "initialize",
    "initialized",
    "document_opened",
    "document_changed",
    "document_saved",
    "document_closed",
    "shutdown",
]


class Recorder(LanguageFeature):
    """Records each event with plain methods; `log` is shared, so the order across features
    shows."""

    def __init__(self, server: AuroLanguageServer, log: list[tuple[str, str]]):
        self.server, self.log = server, log
        self.changed_text: str | None = None

    def initialize(self, params: types.InitializeParams) -> None:
        self.log.append(("plain", "initialize"))

    def initialized(self, params: types.InitializedParams) -> None:
        self.log.append(("plain", "initialized"))

    def document_opened(self, params: types.DidOpenTextDocumentParams) -> None:
        self.log.append(("plain", "document_opened"))

    def document_changed(self, params: types.DidChangeTextDocumentParams) -> None:
        # the open document as of this message (pygls applied the change before)
        self.changed_text = self.server.workspace.get_text_document(URI).source
        self.log.append(("plain", "document_changed"))

    def document_saved(self, params: types.DidSaveTextDocumentParams) -> None:
        assert params.text_document.uri == URI
        self.log.append(("plain", "document_saved"))

    def document_closed(self, params: types.DidCloseTextDocumentParams) -> None:
        self.log.append(("plain", "document_closed"))

    def shutdown(self) -> None:
        self.log.append(("plain", "shutdown"))


class AsyncRecorder(LanguageFeature):
    """Records each event from a coroutine, after yielding to the loop once."""

    def __init__(self, log: list[tuple[str, str]]):
        self.log = log

    async def _record(self, event: str) -> None:
        await asyncio.sleep(0)
        self.log.append(("async", event))

    async def initialize(self, params: types.InitializeParams) -> None:
        await self._record("initialize")

    async def initialized(self, params: types.InitializedParams) -> None:
        await self._record("initialized")

    async def document_opened(self, params: types.DidOpenTextDocumentParams) -> None:
        await self._record("document_opened")

    async def document_changed(self, params: types.DidChangeTextDocumentParams) -> None:
        await self._record("document_changed")

    async def document_saved(self, params: types.DidSaveTextDocumentParams) -> None:
        assert params.text_document.uri == URI
        await self._record("document_saved")

    async def document_closed(self, params: types.DidCloseTextDocumentParams) -> None:
        await self._record("document_closed")

    async def shutdown(self) -> None:
        await self._record("shutdown")


class Broken(LanguageFeature):
    """Fails at every event after `initialize`."""

    def _fail(self, *_: Any) -> None:
        raise RuntimeError("broken feature")

    initialized = document_opened = document_changed = document_saved = _fail
    document_closed = shutdown = _fail


class Wire:
    """The client's end: frames into the server's reader, frames out of its writer."""

    def __init__(self, server: AuroLanguageServer) -> None:
        self.stream = asyncio.StreamReader()
        self.answers: dict[int, dict[str, Any]] = {}
        self.arrived = asyncio.Event()
        server.protocol.set_writer(self)
        reader = FrameReader(StreamLines(self.stream))
        assert isinstance(server.protocol, GuardedProtocol)
        self.reading = asyncio.create_task(
            serve_frames(reader, server.protocol, server.report_server_error)
        )

    def write(self, data: bytes) -> None:
        message = json.loads(data.split(b"\r\n\r\n", 1)[1])
        if "id" in message and "method" not in message:
            self.answers[message["id"]] = message
            self.arrived.set()

    def close(self) -> None:
        pass

    def send(self, method: str, params: Any, msg_id: int | None = None) -> None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
        if msg_id is not None:
            message["id"] = msg_id
        body = json.dumps(message).encode()
        self.stream.feed_data(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))

    async def request(self, msg_id: int, method: str, params: Any) -> dict[str, Any]:
        self.send(method, params, msg_id)
        async with asyncio.timeout(10):
            while msg_id not in self.answers:
                self.arrived.clear()
                await self.arrived.wait()
        return self.answers[msg_id]

    async def end(self) -> None:
        self.stream.feed_eof()
        await asyncio.wait_for(self.reading, 10)


async def until(condition: Any) -> None:
    """Notifications are handled as tasks: wait (boundedly) for their effect."""
    async with asyncio.timeout(10):
        while not condition():
            await asyncio.sleep(0.01)


async def test_every_feature_observes_each_event_in_order(caplog: pytest.LogCaptureFixture):
    log: list[tuple[str, str]] = []
    server = AuroLanguageServer()
    plain = Recorder(server, log)
    for feature in (plain, Broken(), AsyncRecorder(log)):
        server.add_feature(feature)
    wire = Wire(server)

    answer = await wire.request(1, "initialize", {"processId": None, "capabilities": {}})
    sync = answer["result"]["capabilities"]["textDocumentSync"]
    assert sync["openClose"] is True and sync["save"] is True  # as when one feature owned them
    wire.send("initialized", {})
    await until(lambda: ("async", "initialized") in log)
    # a fast client: the document is closed before any feature's task has run
    text = {"uri": URI, "languageId": "python", "version": 1, "text": "a = 1\n"}
    wire.send("textDocument/didOpen", {"textDocument": text})
    changes = [{"text": "a = 2\n"}]
    wire.send(
        "textDocument/didChange",
        {"textDocument": {"uri": URI, "version": 2}, "contentChanges": changes},
    )
    wire.send("textDocument/didSave", {"textDocument": {"uri": URI}})
    wire.send("textDocument/didClose", {"textDocument": {"uri": URI}})
    await until(lambda: ("async", "document_closed") in log)
    answer = await wire.request(2, "shutdown", None)
    assert answer == {"jsonrpc": "2.0", "id": 2, "result": None}
    await wire.end()

    assert [event for name, event in log if name == "plain"] == EVENTS
    assert [event for name, event in log if name == "async"] == EVENTS
    for event in EVENTS:  # the order features were added is the order they hear each event
        assert log.index(("plain", event)) < log.index(("async", event))
    assert plain.changed_text == "a = 2\n"  # seen while its message was handled
    failures = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    for event in EVENTS[1:]:  # each failure is logged with the feature's name
        assert f"Broken.{event} failed" in failures


async def test_a_feature_failing_at_initialize_fails_the_request():
    class CannotStart(LanguageFeature):
        def initialize(self, params: types.InitializeParams) -> None:
            raise RuntimeError("no settings")

    server = AuroLanguageServer()
    server.add_feature(CannotStart())
    wire = Wire(server)
    answer = await wire.request(1, "initialize", {"processId": None, "capabilities": {}})
    assert answer["error"]["code"] == types.ErrorCodes.InternalError
    assert "no settings" in answer["error"]["message"]
    await wire.end()
