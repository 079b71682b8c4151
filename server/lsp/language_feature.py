"""The session events a feature may observe, fanned out by the server to every feature.

LSP allows one handler per method, so a feature that registered `textDocument/didSave` itself
would hide it from every other feature. The server registers the lifecycle and document
methods once (`AuroLanguageServer`) and calls the method of the same name on each feature
added with `server.add_feature`, in the order they were added. A feature overrides only
the events it needs; each may be a plain or an async method.

`initialize`, `initialized` and `shutdown` are awaited feature by feature. A plain document
event method runs while its message is handled, so it sees the open documents as of that
message; an async one runs as a task afterwards, when a later message (`didClose`) may
already have changed them.
"""

from __future__ import annotations

from collections.abc import Awaitable

from lsprotocol import types

MaybeAsync = Awaitable[None] | None


class LanguageFeature:
    """Base class of a feature with lifecycle needs; every event does nothing by default."""

    def initialize(self, params: types.InitializeParams) -> MaybeAsync:
        """`initialize`: an error here fails the request (the client is told)."""
        return None

    def initialized(self, params: types.InitializedParams) -> MaybeAsync:
        """`initialized`: the client answers requests from now on."""
        return None

    def shutdown(self) -> MaybeAsync:
        """`shutdown`, or leaving without one: after the running requests were cancelled,
        before the sidecar and the services close."""
        return None

    def document_opened(self, params: types.DidOpenTextDocumentParams) -> MaybeAsync:
        return None

    def document_changed(self, params: types.DidChangeTextDocumentParams) -> MaybeAsync:
        return None

    def document_saved(self, params: types.DidSaveTextDocumentParams) -> MaybeAsync:
        return None

    def document_closed(self, params: types.DidCloseTextDocumentParams) -> MaybeAsync:
        return None
