"""The pygls server object: holds the shared services and the sidecar, nothing else.

Features live in `server.features`, each registering itself through `setup(server)`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from server.config import ConfigWarning, Settings
from server.http.sidecar import Sidecar
from server.rpc_guard import GuardedProtocol, is_parse_failure
from server.services import Services
from server.version import __version__

log = logging.getLogger(__name__)

STATUS = "auro/status"

Hook = Callable[[], Awaitable[None]]


class AuroLanguageServer(LanguageServer):
    """pygls server carrying Auro's services; a thin adapter, no business logic."""

    def __init__(self) -> None:
        super().__init__("auro-pai", __version__, protocol_cls=GuardedProtocol)
        self.services: Services | None = None
        self.sidecar: Sidecar | None = None
        self.init_options: dict[str, Any] = {}
        self.initial_roots: list[Path] = []
        # LSP allows one handler per method; features that need these moments hook in here.
        self.initialized_hooks: list[Hook] = []
        self._reported: set[str] = set()
        self.shutdown_hooks: list[Hook] = []

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
    from server.features import FEATURES

    server = AuroLanguageServer()
    for feature in FEATURES:
        feature.setup(server)
    return server
