"""Editor buffers and ranges to the plain records of `server.chat`, and citations back.

Buffers are read through the workspace, so unsaved text in the editor is what the model sees;
files the editor has not opened are read only under the rules of `server.workspace_files`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from lsprotocol import types
from pydantic import BaseModel
from pygls.exceptions import JsonRpcInvalidParams
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace import TextDocument

from server.chat import Citation, CodeCitation, FocusCode
from server.indexing.chunking import detect_language
from server.workspace_files import PathRefused, check_buffer, read_workspace_file

if TYPE_CHECKING:
    from server.lsp.server import AuroLanguageServer


class PositionModel(BaseModel):
    line: int
    character: int

    def lsp(self) -> types.Position:
        return types.Position(line=max(0, self.line), character=max(0, self.character))


class RangeModel(BaseModel):
    start: PositionModel
    end: PositionModel

    def lsp(self) -> types.Range:
        return types.Range(start=self.start.lsp(), end=self.end.lsp())


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


def lsp_citation(citation: Citation) -> dict[str, Any]:
    if isinstance(citation, CodeCitation):
        return {
            "uri": from_fs_path(citation.path),
            "range": {
                "start": {"line": citation.start_line - 1, "character": 0},
                "end": {"line": citation.end_line, "character": 0},
            },
            "symbol": citation.symbol,
        }
    return citation.to_json()
