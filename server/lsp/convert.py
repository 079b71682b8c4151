"""Plain records of the services to the editor protocol (`server.lsp.protocol`), and back.

The one place where 1-based inclusive line numbers (the index, chat citations) become LSP
ranges: line `n` starts at (n - 1, 0) and a range of lines ends at column 0 of the line
after its last, so an editor selects whole lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import from_fs_path

from server.chat import ChatReply, Citation, CodeCitation
from server.lsp import protocol as p
from server.services import Found, Workspace


def file_uri(path: str | Path) -> str:
    return from_fs_path(str(path)) or Path(path).as_uri()


def lines_range(start_line: int, end_line: int) -> p.Range:
    """1-based inclusive lines as an LSP range covering them whole."""
    return p.Range(
        start=p.Position(line=start_line - 1, character=0),
        end=p.Position(line=end_line, character=0),
    )


def lines_location(path: str | Path, start_line: int, end_line: int) -> p.Location:
    return p.Location(uri=file_uri(path), range=lines_range(start_line, end_line))


def to_lsp(range_: p.Range) -> types.Range:
    """A client's range as lsprotocol's, negative numbers clamped to 0."""
    return types.Range(
        start=types.Position(
            line=max(0, range_.start.line), character=max(0, range_.start.character)
        ),
        end=types.Position(line=max(0, range_.end.line), character=max(0, range_.end.character)),
    )


def from_lsp(range_: types.Range) -> p.Range:
    return p.Range(
        start=p.Position(line=range_.start.line, character=range_.start.character),
        end=p.Position(line=range_.end.line, character=range_.end.character),
    )


def lsp_location(path: str | Path, start_line: int, end_line: int) -> types.Location:
    """`lines_location` as lsprotocol's type, for standard LSP answers."""
    return types.Location(uri=file_uri(path), range=to_lsp(lines_range(start_line, end_line)))


def within(path: Path, roots: Sequence[Path]) -> tuple[str, str | None]:
    """`path` relative to the root holding it, and that root; else as it is, and None."""
    for root in roots:
        if path.is_relative_to(root):
            return path.relative_to(root).as_posix(), str(root)
    return str(path), None


def citation(cited: Citation, roots: Sequence[Path]) -> p.CodeCitation | p.WebCitation:
    if isinstance(cited, CodeCitation):
        path, root = within(Path(cited.path), roots)
        return p.CodeCitation(
            uri=file_uri(cited.path),
            range=lines_range(cited.start_line, cited.end_line),
            symbol=cited.symbol,
            path=path,
            root=root,
        )
    return p.WebCitation(url=cited.url, title=cited.title)


def chat_result(reply: ChatReply, roots: Sequence[Path]) -> p.ChatResult:
    """`roots`: the workspace roots, which citation paths are given relative to."""
    return p.ChatResult(
        session_id=reply.session_id,
        text=reply.text,
        citations=[citation(c, roots) for c in reply.citations],
        usage=p.ReplyUsage.model_validate(reply.usage) if reply.usage else None,
        provider=reply.provider,
        model=reply.model,
        status=reply.status,
        error=reply.error,
        truncated=reply.truncated,
        notices=list(reply.notices),
    )


def search_hit(found: Found) -> p.SearchHit:
    r = found.result
    return p.SearchHit.model_validate(
        {
            **r.to_json(),
            "root": str(found.workspace.root),
            "location": lines_location(found.abs_path, r.start_line, r.end_line),
        }
    )


def search_result(found: Iterable[Found], complete: bool, warnings: list[str]) -> p.SearchResult:
    return p.SearchResult(
        results=[search_hit(f) for f in found], complete=complete, warnings=list(warnings)
    )


def index_status(workspaces: Iterable[Workspace]) -> p.IndexStatus:
    """Per-root status plus totals, so single-root clients can read the top level."""
    roots = [
        p.RootIndexStatus.model_validate({"root": str(w.root), **w.index.status().to_json()})
        for w in workspaces
    ]
    states = {r.state for r in roots}
    return p.IndexStatus(
        files_total=sum(r.files_total for r in roots),
        files_keyword_indexed=sum(r.files_keyword_indexed for r in roots),
        files_embedded=sum(r.files_embedded for r in roots),
        chunks=sum(r.chunks for r in roots),
        state="indexing" if "indexing" in states else "paused" if "paused" in states else "idle",
        complete=bool(roots) and all(r.complete for r in roots),
        roots=roots,
    )


def usage(snapshot: dict[str, Any]) -> p.Usage:
    """`UsageTracker.snapshot()` (snake_case, as REST sends it) for the editor."""
    return p.Usage.model_validate(snapshot)
