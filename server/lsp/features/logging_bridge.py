"""Mirrors the server's log records into the editor's output via `window/logMessage`."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from lsprotocol import types

from server.logs import ClientLogHandler
from server.lsp.language_feature import LanguageFeature

if TYPE_CHECKING:
    from server.lsp.server import AuroLanguageServer

LEVELS = {
    logging.ERROR: types.MessageType.Error,
    logging.WARNING: types.MessageType.Warning,
    logging.INFO: types.MessageType.Info,
}


class LoggingBridge(LanguageFeature):
    """Attached at `initialize`, before the other features start logging; what it gets is
    sent from `initialized` on (the client can show messages from then on). Detached at
    shutdown."""

    def __init__(self, server: AuroLanguageServer) -> None:
        self.server = server
        self.handler: ClientLogHandler | None = None

    def send(self, record: logging.LogRecord, text: str) -> None:
        kind = LEVELS.get(record.levelno, types.MessageType.Log)
        self.server.window_log_message(types.LogMessageParams(type=kind, message=text))

    async def initialize(self, params: types.InitializeParams) -> None:
        self.handler = ClientLogHandler(self.send, asyncio.get_running_loop())
        logging.getLogger().addHandler(self.handler)

    def initialized(self, params: types.InitializedParams) -> None:
        if self.handler is not None:
            self.handler.start_sending()

    def shutdown(self) -> None:
        if self.handler is not None:
            logging.getLogger().removeHandler(self.handler)


def setup(server: AuroLanguageServer) -> None:
    server.add_feature(LoggingBridge(server))
