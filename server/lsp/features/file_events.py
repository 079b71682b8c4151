"""Editor file events keep the index current: saves, watched-file changes, opened files first.

Only files on disk are indexed; unsaved buffer text never reaches the index.
"""

from __future__ import annotations

import logging
from pathlib import Path

from lsprotocol import types
from pygls.uris import to_fs_path

from server.lsp.server import AuroLanguageServer

log = logging.getLogger(__name__)


def _route(ls: AuroLanguageServer, uris: list[str], prioritize: bool = False) -> None:
    for uri in uris:
        path = to_fs_path(uri)
        if path is None:
            continue
        workspace = ls.services.workspace_for(Path(path))
        if workspace is None:
            continue
        if prioritize:
            workspace.index.prioritize([path])
        else:
            workspace.index.notify_changed([path])


def setup(server: AuroLanguageServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: AuroLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        _route(ls, [params.text_document.uri])

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: AuroLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        _route(ls, [params.text_document.uri], prioritize=True)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched(ls: AuroLanguageServer, params: types.DidChangeWatchedFilesParams) -> None:
        _route(ls, [change.uri for change in params.changes])

    async def register_watcher() -> None:
        """Ask the client to report file changes, when it can register dynamically."""
        workspace = server.client_capabilities.workspace
        watched_caps = workspace.did_change_watched_files if workspace else None
        if not (watched_caps and watched_caps.dynamic_registration):
            return
        options = types.DidChangeWatchedFilesRegistrationOptions(
            watchers=[types.FileSystemWatcher(glob_pattern="**/*")]
        )
        await server.client_register_capability_async(
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

    server.initialized_hooks.append(register_watcher)
