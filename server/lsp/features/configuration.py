"""Pulls the client's `auro` configuration section after `initialized` and on every change.

Editors merge workspace-level settings (`.vscode/settings.json`, `.dir-locals.el`, a
project's `.helix/languages.toml`) into this answer, so it is workspace input: it may change
only workspace-safe keys. A sensitive key is refused with a warning naming it. An invalid
value is shown as a warning and the previous value is kept.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from server.config import load_settings, refused_warning, workspace_layer
from server.logs import set_level
from server.lsp.language_feature import LanguageFeature

if TYPE_CHECKING:
    from server.lsp.server import AuroLanguageServer

log = logging.getLogger(__name__)

SECTION = "auro"


def supports_pull(ls: AuroLanguageServer) -> bool:
    workspace = ls.client_capabilities.workspace
    return bool(workspace and workspace.configuration)


async def pull(ls: AuroLanguageServer) -> dict[str, Any]:
    result = await ls.workspace_configuration_async(
        types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)])
    )
    section = result[0] if result else None
    return section if isinstance(section, dict) else {}


async def apply(
    ls: AuroLanguageServer, client_values: dict[str, Any], source: str = "workspace/configuration"
) -> None:
    """Rebuild settings from every source; invalid client values keep the current value,
    sensitive ones are refused."""
    current = ls.settings
    safe, refused = workspace_layer(client_values, current)
    if refused:
        ls.report_config([refused_warning(refused, source)])
    settings, warnings = load_settings(
        ("initializationOptions", ls.init_options),
        (source, safe),
        fallback=current,
    )
    ls.report_config(warnings)
    if settings != current:
        set_level(settings.log_level)
        await ls.services.update_settings(settings)
        log.info("configuration updated")


class Configuration(LanguageFeature):
    def __init__(self, server: AuroLanguageServer) -> None:
        self.server = server

    async def initialized(self, params: types.InitializedParams) -> None:
        if supports_pull(self.server):
            await apply(self.server, await pull(self.server))


def setup(server: AuroLanguageServer) -> None:
    server.add_feature(Configuration(server))

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def changed(ls: AuroLanguageServer, params: types.DidChangeConfigurationParams) -> None:
        if supports_pull(ls):
            await apply(ls, await pull(ls))
        elif isinstance(params.settings, dict):
            section = params.settings.get(SECTION, params.settings)
            pushed = section if isinstance(section, dict) else {}
            await apply(ls, pushed, "workspace/didChangeConfiguration")
