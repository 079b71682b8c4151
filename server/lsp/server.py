"""The pygls server object: holds the shared services and the sidecar, opens and closes them.

Features live in `server.lsp.features`, each registering itself through `setup(server)`.
The server owns the lifecycle and document methods (`initialize`, `initialized`, `shutdown`,
`textDocument/didOpen|didChange|didSave|didClose`) and fans each out to every feature added
with `add_feature` (`server.lsp.language_feature`), so any number of features observe them.

Leaving is quick by design: after `exit` or the end of input the process is gone within
EXIT_BUDGET seconds. Running requests are cancelled first (a chat turn is then stored as
cancelled), then all work stops for whatever is left of the budget, and the process ends
with `os._exit`. That skips the interpreter's teardown: no waiting for the stdin reader
thread, for an embedding slice or an ONNX export in progress, and no C++ static destructors
racing a native thread (the SIGABRT seen in CI). Nothing is lost: the index catalog and
the session store are SQLite, whose committed state survives the process at any moment,
and the index resumes from its catalog at the next start (tests/reliability/test_exit.py).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO, Literal, TypeVar

from lsprotocol import types
from pygls.io_ import StdinAsyncReader, StdoutWriter
from pygls.lsp.server import LanguageServer

from server.config import ConfigWarning, Settings
from server.http.sidecar import Sidecar
from server.lsp.language_feature import LanguageFeature
from server.lsp.rpc_frames import FrameReader, StreamLines
from server.lsp.rpc_guard import GuardedProtocol, is_parse_failure, serve_frames
from server.services import Services
from server.version import __version__

log = logging.getLogger(__name__)

STATUS = "auro/status"
# Seconds from `exit` (or stdin's end) to os._exit. The bound for the whole exit is 1 s, and
# the kernel's teardown of a process with the model loaded took up to 0.4 s on a busy host.
EXIT_BUDGET = 0.4
# How long cancelled requests may take to store what they did (a chat turn: one SQLite
# write) before the services close; leaving cuts it to what is left of EXIT_BUDGET.
REQUEST_GRACE = 1.0
BACKSTOP_MARGIN = 0.1  # after EXIT_BUDGET, a timer thread calls os._exit itself

Event = Literal[
    "initialized",
    "shutdown",
    "document_opened",
    "document_changed",
    "document_saved",
    "document_closed",
]
Handler = TypeVar("Handler", bound=Callable[..., Any])


async def _call(method: Callable[..., Any], *args: Any) -> None:
    result = method(*args)
    if inspect.isawaitable(result):
        await result


class AuroLanguageServer(LanguageServer):
    """pygls server carrying Auro's services; a thin adapter, no business logic."""

    def __init__(self) -> None:
        super().__init__("auro-pai", __version__, protocol_cls=GuardedProtocol)
        self.services: Services | None = None
        self.sidecar: Sidecar | None = None
        self.init_options: dict[str, Any] = {}
        self.initial_roots: list[Path] = []
        self.features: list[LanguageFeature] = []
        self._reported: set[str] = set()
        self._closing: asyncio.Future[None] | None = None
        self._leaving: asyncio.Task[None] | None = None
        self._observing: set[asyncio.Future[Any]] = set()
        self._register_lifecycle()

    # -- the lifecycle fan-out -------------------------------------------------------------
    def add_feature(self, feature: LanguageFeature) -> None:
        """`feature` observes the session's events, after the features added before it."""
        self.features.append(feature)

    async def fan_out(self, event: Event, *args: Any) -> None:
        """Call `event` on every feature in turn, awaiting each. Each runs even if an earlier
        one failed: one feature must not disable the rest; the failure is logged."""
        for feature in self.features:
            try:
                await _call(getattr(feature, event), *args)
            except Exception:
                log.exception("%s.%s failed", type(feature).__name__, event)

    def fan_out_now(self, event: Event, *args: Any) -> None:
        """Document events: every feature is called while the message is handled, so a plain
        method sees the open documents as of that message (the next may close the document).
        A coroutine a feature returns runs as a task; its failure is logged too."""
        for feature in self.features:
            name = f"{type(feature).__name__}.{event}"
            try:
                result = getattr(feature, event)(*args)
            except Exception:
                log.exception("%s failed", name)
                continue
            if inspect.isawaitable(result):
                task = asyncio.ensure_future(result)
                self._observing.add(task)
                task.add_done_callback(lambda done, name=name: self._observed(done, name))

    def _observed(self, task: asyncio.Future[Any], name: str) -> None:
        self._observing.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("%s failed", name, exc_info=error)

    def _register_lifecycle(self) -> None:
        """LSP allows one handler per method: the server holds these and fans them out.
        pygls updates its open documents before it calls the document handlers."""

        @self.feature(types.INITIALIZE)
        async def initialize(params: types.InitializeParams) -> None:
            """Not isolated: a feature that cannot start fails `initialize` with the error."""
            for feature in self.features:
                await _call(feature.initialize, params)

        @self.feature(types.INITIALIZED)
        async def initialized(params: types.InitializedParams) -> None:
            await self.fan_out("initialized", params)

        @self.feature(types.SHUTDOWN)
        async def shutdown(_: None) -> None:
            """Running requests are cancelled, then everything closes (`exit` may come before
            this answers: it waits for the same close, within its own budget)."""
            await self.close()

        @self.feature(types.TEXT_DOCUMENT_DID_OPEN)
        def did_open(params: types.DidOpenTextDocumentParams) -> None:
            self.fan_out_now("document_opened", params)

        @self.feature(types.TEXT_DOCUMENT_DID_CHANGE)
        def did_change(params: types.DidChangeTextDocumentParams) -> None:
            self.fan_out_now("document_changed", params)

        @self.feature(types.TEXT_DOCUMENT_DID_SAVE)
        def did_save(params: types.DidSaveTextDocumentParams) -> None:
            self.fan_out_now("document_saved", params)

        @self.feature(types.TEXT_DOCUMENT_DID_CLOSE)
        def did_close(params: types.DidCloseTextDocumentParams) -> None:
            self.fan_out_now("document_closed", params)

    def command(self, command_name: str) -> Callable[[Handler], Handler]:
        """pygls' `command`, with the server passed by us: pygls resolves a command
        handler's type hints when it runs, and features name this class only for type
        checking (they do not import it), so pygls is given a plain `*args` function."""
        register = super().command(command_name)

        def decorator(handler: Handler) -> Handler:
            if inspect.iscoroutinefunction(handler):

                async def run(*args: Any) -> Any:
                    return await handler(self, *args)

                register(run)
            else:

                def run_sync(*args: Any) -> Any:
                    return handler(self, *args)

                register(run_sync)
            return handler

        return decorator

    # -- the process ---------------------------------------------------------------------
    def start_io(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
        """pygls' stdio server with lenient framing (`server.lsp.rpc_frames`); the end of stdin
        leaves like `exit`. Does not return: the process ends in `leave`."""
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        reader = StdinAsyncReader(stdin or sys.stdin.buffer, self.thread_pool)
        asyncio.run(self._serve(FrameReader(reader)))

    def start_tcp(self, host: str, port: int) -> None:
        """One client over TCP, read like stdio; its disconnect leaves like stdin's end."""

        async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.protocol.set_writer(writer)  # type: ignore[arg-type]
            await self._serve(FrameReader(StreamLines(reader)))

        async def listen() -> None:
            server = await asyncio.start_server(connection, host, port)
            log.info("serving LSP on %s:%d", host, port)
            async with server:
                await server.serve_forever()

        asyncio.run(listen())

    async def _serve(self, frames: FrameReader) -> None:
        assert isinstance(self.protocol, GuardedProtocol)
        reason = "end of input"
        try:
            await serve_frames(frames, self.protocol, self.report_server_error)
        except Exception:
            log.exception("reading stdin failed")
            reason = "stdin failed"
        if self._leaving is None:
            shut = self.protocol.shutdown_started or self.protocol._shutdown
            self.leave(0 if shut else 1, reason)
        assert self._leaving is not None
        await self._leaving

    def leave(self, code: int, reason: str) -> None:
        """End the process within EXIT_BUDGET seconds (see the module docstring). A timer
        thread ends it too, should the event loop be stuck in a synchronous call."""
        if self._leaving is None:
            log.info("leaving (%s) with code %d", reason, code)
            self._leaving = asyncio.get_running_loop().create_task(self._leave(code))
            backstop = threading.Timer(EXIT_BUDGET + BACKSTOP_MARGIN, os._exit, (code,))
            backstop.daemon = True
            backstop.start()

    async def _leave(self, code: int) -> None:
        started = asyncio.get_running_loop().time()
        try:
            async with asyncio.timeout(EXIT_BUDGET):
                await self.close()
        except TimeoutError:
            log.warning(
                "exit: closing took over %.1fs; leaving anyway (the index resumes at the "
                "next start)",
                EXIT_BUDGET,
            )
        except Exception:
            log.exception("exit: closing failed; leaving anyway")
        log.info("exit after %.2fs", asyncio.get_running_loop().time() - started)
        for handler in logging.getLogger().handlers:
            handler.flush()
        os._exit(code)

    async def close(self) -> None:
        """Once, for `shutdown` and for leaving: cancel the running requests and let them
        store what they did, then the features, the sidecar and the services close."""
        if self._closing is None:
            caller = asyncio.current_task()  # the `shutdown` handler is not cancelled
            self._closing = asyncio.ensure_future(self._close(caller))
        await asyncio.shield(self._closing)

    async def _close(self, caller: asyncio.Future[Any] | None) -> None:
        assert isinstance(self.protocol, GuardedProtocol)
        pending = self.protocol.cancel_requests(keep=caller)
        if pending:
            await asyncio.wait(pending, timeout=REQUEST_GRACE)
        await self.fan_out("shutdown")
        if self.sidecar is not None:
            await self.sidecar.stop()
        if self.services is not None:
            await self.services.close(process_ending=True)  # os._exit follows

    @property
    def settings(self) -> Settings:
        if self.services is None:
            raise RuntimeError("server not initialized")
        return self.services.settings

    def report_server_error(self, error: Exception, source: Any) -> None:
        """A body that is not JSON gets its -32700 answer (pygls only logs it)."""
        if is_parse_failure(error) and isinstance(self.protocol, GuardedProtocol):
            self.protocol.parse_error(error)
            return
        super().report_server_error(error, source)

    def warn(self, message: str) -> None:
        log.warning(message)
        self.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Warning, message=message)
        )

    def report_config(self, warnings: list[ConfigWarning]) -> None:
        """Show each distinct configuration warning once per session."""
        for warning in warnings:
            message = warning.message()
            if message not in self._reported:
                self._reported.add(message)
                self.warn(message)

    def status_payload(self) -> dict[str, Any]:
        address = self.sidecar.address if self.sidecar else None
        services = self.services
        return {
            "version": __version__,
            "http": None
            if address is None
            else {
                "url": address.url,
                "host": address.host,
                "port": address.port,
                "token": self.sidecar.token if self.sidecar else None,
            },
            "workspaces": [
                {"root": str(w.root), "dataDir": str(w.data_dir)}
                for w in (services.workspaces if services else [])
            ],
        }

    def send_status(self) -> None:
        self.protocol.notify(STATUS, self.status_payload())


def create_server() -> AuroLanguageServer:
    from server.lsp.features import FEATURES

    server = AuroLanguageServer()
    for feature in FEATURES:
        feature.setup(server)
    return server
