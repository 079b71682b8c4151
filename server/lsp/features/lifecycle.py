"""initialize / initialized / shutdown: build the services, start the sidecar, report status."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import to_fs_path

from server.config import load_settings
from server.http.sidecar import Sidecar
from server.logs import set_level
from server.lsp.server import AuroLanguageServer, run_hooks
from server.services import Services

log = logging.getLogger(__name__)


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


def setup(server: AuroLanguageServer) -> None:
    @server.feature(types.INITIALIZE)
    async def initialize(ls: AuroLanguageServer, params: types.InitializeParams) -> None:
        ls.init_options = init_layer(params.initialization_options)
        settings, warnings = load_settings(("initializationOptions", ls.init_options))
        set_level(settings.log_level)
        ls.report_config(warnings)
        ls.services = Services(settings)
        ls.initial_roots = workspace_roots(params)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: AuroLanguageServer, _: types.InitializedParams) -> None:
        """Hooks first (the client's configuration is pulled), then the indexes open with
        it, then the sidecar starts; initialize itself answers at once."""
        await run_hooks(ls.initialized_hooks)
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

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: AuroLanguageServer, _: None) -> None:
        """Running requests are cancelled, then everything closes (`exit` may come before
        this answers: it waits for the same close, within its own budget)."""
        await ls.close()
