"""Editor file events keep the index current: saves, watched-file changes, opened files first.

Only files on disk are indexed; unsaved buffer text never reaches the index.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.uris import to_fs_path

from server.lsp.language_feature import LanguageFeature

if TYPE_CHECKING:
    from server.lsp.server import AuroLanguageServer


class FileEvents(LanguageFeature):
    def __init__(self, server: AuroLanguageServer) -> None:
        self.server = server

    def route(self, uris: list[str], prioritize: bool = False) -> None:
        for uri in uris:
            path = to_fs_path(uri)
            if path is None:
                continue
            workspace = self.server.services.workspace_for(Path(path))
            if workspace is None:
                continue
            if prioritize:
                workspace.index.prioritize([path])
            else:
                workspace.index.notify_changed([path])

    def document_saved(self, params: types.DidSaveTextDocumentParams) -> None:
        self.route([params.text_document.uri])

    def document_opened(self, params: types.DidOpenTextDocumentParams) -> None:
        self.route([params.text_document.uri], prioritize=True)

    async def initialized(self, params: types.InitializedParams) -> None:
        """Ask the client to report file changes, when it can register dynamically."""
        workspace = self.server.client_capabilities.workspace
        watched_caps = workspace.did_change_watched_files if workspace else None
        if not (watched_caps and watched_caps.dynamic_registration):
            return
        options = types.DidChangeWatchedFilesRegistrationOptions(
            watchers=[types.FileSystemWatcher(glob_pattern="**/*")]
        )
        await self.server.client_register_capability_async(
            types.RegistrationParams(
                registrations=[
                    types.Registration(
                        id="auro-watched-files",
                        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                        register_options=options,
                    )
                ]
            )
        )


def setup(server: AuroLanguageServer) -> None:
    events = FileEvents(server)
    server.add_feature(events)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched(ls: AuroLanguageServer, params: types.DidChangeWatchedFilesParams) -> None:
        events.route([change.uri for change in params.changes])
