"""The session itself: `initialize` builds the services; `initialized` opens the workspace
folders, starts the sidecar and reports status. Closing is the server's (`close`).

Added last (`server.lsp.features.FEATURES`): the indexes open after the other features have
pulled the client's configuration."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import to_fs_path

from server.config import load_settings
from server.http.sidecar import Sidecar
from server.logs import set_level
from server.lsp.language_feature import LanguageFeature
from server.services import Services

if TYPE_CHECKING:
    from server.lsp.server import AuroLanguageServer


def init_layer(options: Any) -> dict[str, Any]:
    """`initializationOptions` may be the settings themselves or wrap them in `auro`."""
    if not isinstance(options, dict):
        return {}
    section = options.get("auro", options)
    return section if isinstance(section, dict) else {}


def workspace_roots(params: types.InitializeParams) -> list[Path]:
    if params.workspace_folders:
        return [Path(to_fs_path(f.uri)) for f in params.workspace_folders]
    if params.root_uri:
        return [Path(to_fs_path(params.root_uri))]
    if params.root_path:
        return [Path(params.root_path)]
    return []


class Lifecycle(LanguageFeature):
    def __init__(self, server: AuroLanguageServer) -> None:
        self.server = server

    async def initialize(self, params: types.InitializeParams) -> None:
        """Settings and services only; `initialize` itself answers at once."""
        ls = self.server
        ls.init_options = init_layer(params.initialization_options)
        settings, warnings = load_settings(("initializationOptions", ls.init_options))
        set_level(settings.log_level)
        ls.report_config(warnings)
        ls.services = await Services.open(settings)
        ls.initial_roots = workspace_roots(params)

    async def initialized(self, params: types.InitializedParams) -> None:
        ls = self.server
        for root in ls.initial_roots:
            try:
                await ls.services.add_workspace(root)
            except ValueError as exc:
                ls.warn(f"Auro: skipping workspace folder: {exc}")
        settings = ls.settings
        if settings.http_enabled:
            ls.sidecar = Sidecar(ls.services)
            try:
                await ls.sidecar.start(settings.http_host, settings.http_port or 0)
            except OSError as exc:
                ls.sidecar = None
                ls.warn(f"Auro: HTTP sidecar not started on port {settings.http_port}: {exc}")
        ls.send_status()


def setup(server: AuroLanguageServer) -> None:
    server.add_feature(Lifecycle(server))
