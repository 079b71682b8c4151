"""Logging that never touches stdout: stderr always, `window/logMessage` in LSP mode.

In `auro-pai lsp` over stdio the editor reads the server's stderr, and some editors log every
line of it as an error (Neovim 0.7 writes each one to lsp.log as `[ERROR]`). There stderr
carries warnings and errors only, unless LOG_LEVEL is DEBUG, and the INFO lines reach the
editor as `window/logMessage`, which it logs at their own level.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Callable
from typing import BinaryIO

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
HELD_MAX = 500  # log lines kept for the editor until it can be sent messages


def _stderr_handlers() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if getattr(h, "auro_stderr", False)]


def configure(level: str) -> None:
    """Route every log record to stderr at `level`."""
    root = logging.getLogger()
    if not any(getattr(h, "auro_stderr", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.auro_stderr = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    set_level(level)


def set_level(level: str) -> None:
    """Our loggers at `level`; pygls (which logs every message at INFO) only when debugging."""
    logging.getLogger().setLevel(level)
    logging.getLogger("server").setLevel(level)
    logging.getLogger("pygls").setLevel(level if level == "DEBUG" else "WARNING")
    for handler in _stderr_handlers():
        if getattr(handler, "auro_editor_stderr", False):
            handler.setLevel(level if level == "DEBUG" else logging.WARNING)


def stderr_for_editor() -> None:
    """The editor reads stderr (LSP over stdio): only warnings and errors go there from now
    on, or everything when LOG_LEVEL is DEBUG (pygls' message trace exists only there)."""
    for handler in _stderr_handlers():
        handler.auro_editor_stderr = True  # type: ignore[attr-defined]
    set_level(logging.getLevelName(logging.getLogger().level))


def protect_stdout() -> BinaryIO:
    """Reserve the real stdout for JSON-RPC and point fd 1 and `sys.stdout` at stderr.

    Stray `print`s and native libraries writing to fd 1 then land on stderr instead of
    corrupting the protocol stream. Returns the stream JSON-RPC should write to.
    """
    sys.stdout.flush()
    rpc_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(rpc_fd, "wb", buffering=0)


class ClientLogHandler(logging.Handler):
    """Forwards this package's log records to the editor, from any thread.

    Records are held until `start_sending()` (the editor may be sent messages only once it has
    the `initialize` answer; Neovim 0.7 reports earlier ones as from a client that shut
    down); past HELD_MAX the oldest are dropped, and the editor is told how many."""

    def __init__(
        self, send: Callable[[logging.LogRecord, str], None], loop: asyncio.AbstractEventLoop
    ):
        super().__init__(logging.INFO)
        self._send = send
        self._loop = loop
        self._held: list[tuple[logging.LogRecord, str]] | None = []
        self._dropped = 0
        self.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        self.addFilter(lambda record: record.name.startswith("server"))

    def _forward(self, record: logging.LogRecord, text: str) -> None:
        try:
            self._loop.call_soon_threadsafe(self._send, record, text)
        except RuntimeError:  # loop closed during shutdown
            pass

    def emit(self, record: logging.LogRecord) -> None:
        text = self.format(record)
        if self._held is None:
            self._forward(record, text)
            return
        self._held.append((record, text))
        if len(self._held) > HELD_MAX:
            del self._held[0]
            self._dropped += 1

    def start_sending(self) -> None:
        """Send what was held, and everything from now on."""
        with self.lock:  # type: ignore[union-attr]  # created by Handler.__init__
            held, self._held = self._held or [], None
        if self._dropped:
            note = logging.LogRecord("server.logs", logging.WARNING, __file__, 0, "", None, None)
            self._forward(note, f"server.logs: {self._dropped} earlier log lines were dropped")
        for record, text in held:
            self._forward(record, text)
