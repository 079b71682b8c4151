"""Editor buffers and ranges to the plain records of `server.chat`.

Buffers are read through the workspace, so unsaved text in the editor is what the model sees;
files the editor has not opened are read only under the rules of `server.workspace_files`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument

from server.chat import FocusCode
from server.indexing.chunking import detect_language
from server.workspace_files import PathRefused, check_buffer, read_workspace_file

if TYPE_CHECKING:
    from server.lsp.server import AuroLanguageServer


def path_of(uri: str) -> Path:
    path = to_fs_path(uri) if uri.startswith("file:") else None
    if not path:
        raise JsonRpcInvalidParams(f"not a file URI: {uri!r}")
    return Path(path)


async def document(ls: AuroLanguageServer, uri: str) -> TextDocument:
    """A snapshot of the open buffer (unsaved text included), or of the file on disk.

    The buffer of any document the client opened may be used; a file on disk only inside
    a workspace root, regular and within max_file_bytes. Secrets are refused either way.
    Checks and reads run off the event loop; refusals are InvalidParams with the reason.
    """
    path = path_of(uri)
    roots = [w.root for w in ls.services.workspaces]
    buffer = ls.workspace.text_documents.get(unquote(uri))
    version = buffer.version if buffer is not None else None
    try:
        if buffer is not None:
            text = buffer.source
            await asyncio.to_thread(check_buffer, path, roots, text)
        else:
            max_bytes = ls.settings.max_file_bytes
            text = await asyncio.to_thread(read_workspace_file, path, roots, max_bytes)
    except PathRefused as exc:
        raise JsonRpcInvalidParams(f"{uri}: {exc}") from exc
    return TextDocument(
        uri, source=text, version=version, position_codec=ls.workspace.position_codec
    )


def language_of(path: Path) -> str:
    language = detect_language(path.name)
    return language if language not in (None, "text") else ""


def last_line(range_: types.Range) -> int:
    """The last line a range really covers: a range ending at column 0 stops before it."""
    end = range_.end
    if end.character == 0 and end.line > range_.start.line:
        return end.line - 1
    return end.line


async def focus_from(ls: AuroLanguageServer, uri: str, range_: types.Range | None) -> FocusCode:
    """The selection, or the whole buffer when nothing (or an empty range) is selected."""
    doc = await document(ls, uri)
    path = path_of(uri)
    source = doc.source
    language = language_of(path)
    if range_ is None or range_.start == range_.end:
        lines = max(1, len(source.splitlines()))
        return FocusCode(path, source, 1, lines, whole_file=True, language=language)
    text = doc.text_in_client_range(range_)
    return FocusCode(path, text, range_.start.line + 1, last_line(range_) + 1, language=language)
