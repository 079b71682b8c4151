"""Ask the client to open a document, without waiting on its answer.

Nothing the server does depends on the answer, and some clients answer `null` (not a
`ShowDocumentResult`): pygls cannot decode that response, so awaiting it waited forever.
The request is sent and its outcome only logged.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import from_fs_path

if TYPE_CHECKING:
    from server.lsp.server import AuroLanguageServer


log = logging.getLogger(__name__)


def can_show_documents(ls: AuroLanguageServer) -> bool:
    window = ls.client_capabilities.window
    return bool(window and window.show_document and window.show_document.support)


def _outcome(uri: str, future: Future[Any]) -> None:
    if future.cancelled():
        return
    if (error := future.exception()) is not None:
        log.info("the client did not open %s: %s", uri, error)


def show_document(ls: AuroLanguageServer, path: Path, take_focus: bool = False) -> str:
    """Open `path` in the editor when it supports `window/showDocument`; returns its URI."""
    uri = from_fs_path(str(path)) or path.as_uri()
    if can_show_documents(ls):
        params = types.ShowDocumentParams(uri=uri, take_focus=take_focus)
        future = ls.protocol.send_request(types.WINDOW_SHOW_DOCUMENT, params)
        future.add_done_callback(lambda done: _outcome(uri, done))
    return uri
