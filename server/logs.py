"""Logging that never touches stdout: stderr always, `window/logMessage` in LSP mode."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Callable
from typing import BinaryIO

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


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
    """Forwards this package's log records to the editor, from any thread."""

    def __init__(
        self, send: Callable[[logging.LogRecord, str], None], loop: asyncio.AbstractEventLoop
    ):
        super().__init__(logging.INFO)
        self._send = send
        self._loop = loop
        self.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        self.addFilter(lambda record: record.name.startswith("server"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
            self._loop.call_soon_threadsafe(self._send, record, text)
        except RuntimeError:  # loop closed during shutdown
            pass
