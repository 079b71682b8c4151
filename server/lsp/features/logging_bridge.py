"""Mirrors the server's log records into the editor's output via `window/logMessage`."""

from __future__ import annotations

import asyncio
import logging

from lsprotocol import types

from server.logs import ClientLogHandler
from server.lsp.server import AuroLanguageServer

LEVELS = {
    logging.ERROR: types.MessageType.Error,
    logging.WARNING: types.MessageType.Warning,
    logging.INFO: types.MessageType.Info,
}


def setup(server: AuroLanguageServer) -> None:
    handler: list[ClientLogHandler] = []

    def send(record: logging.LogRecord, text: str) -> None:
        kind = LEVELS.get(record.levelno, types.MessageType.Log)
        server.window_log_message(types.LogMessageParams(type=kind, message=text))

    async def attach() -> None:
        handler.append(ClientLogHandler(send, asyncio.get_running_loop()))
        logging.getLogger().addHandler(handler[0])

    async def detach() -> None:
        for h in handler:
            logging.getLogger().removeHandler(h)

    server.initialized_hooks.append(attach)
    server.shutdown_hooks.append(detach)
