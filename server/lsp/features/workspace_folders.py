"""Multi-root: workspace folders added or removed while the server runs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.uris import to_fs_path

if TYPE_CHECKING:
    from server.lsp.server import AuroLanguageServer


def setup(server: AuroLanguageServer) -> None:
    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    async def changed(
        ls: AuroLanguageServer, params: types.DidChangeWorkspaceFoldersParams
    ) -> None:
        for folder in params.event.removed:
            await ls.services.remove_workspace(Path(to_fs_path(folder.uri)))
        for folder in params.event.added:
            try:
                await ls.services.add_workspace(Path(to_fs_path(folder.uri)))
            except ValueError as exc:
                ls.warn(f"Auro: skipping workspace folder: {exc}")
        if ls.sidecar is not None:
            ls.sidecar.write_address_files()
        ls.send_status()
