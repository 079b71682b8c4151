"""What the MCP tools need from the rest of Auro, as one Protocol with two implementations:
`LocalBackend` over this process's `Services`, and `RemoteBackend` over the REST API of the
server that already holds the workspace's index (one writer per index)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlparse

from server.mcp.models import (
    Answer,
    FetchedPage,
    IndexedFile,
    ReindexResult,
    SearchCodeResult,
    SymbolHit,
    WebSearchResult,
    WorkspaceStatus,
)
from server.secret_rules import is_hard_link

TextSink = Callable[[str], Awaitable[None]]


class Refused(Exception):
    """A request the backend will not or cannot serve; the message says why, for the model."""


@dataclass(frozen=True)
class FileText:
    """A whole workspace file that passed the reading rules."""

    root: str
    path: str  # relative to root, POSIX separators
    language: str | None
    text: str


@dataclass(frozen=True)
class FilePosition:
    """Where a page of the indexed files ends: the root's place in `roots`, the last path."""

    root: int
    path: str


class McpBackend(Protocol):
    @property
    def roots(self) -> list[Path]: ...

    async def search(
        self,
        query: str,
        k: int,
        paths: list[str] | None,
        languages: list[str] | None,
        group: bool,
    ) -> SearchCodeResult: ...

    async def read_file(self, path: str) -> FileText:
        """The file `path` names (absolute, or relative to a root), if the index's rules
        allow reading it: inside a root, not secret, not ignored, not too large, text."""
        ...

    async def symbols(self, name: str, limit: int) -> list[SymbolHit]: ...

    async def index_status(self) -> list[WorkspaceStatus]: ...

    async def reindex(self) -> ReindexResult: ...

    async def web_search(self, query: str, max_results: int) -> WebSearchResult: ...

    async def fetch_url(self, url: str) -> FetchedPage: ...

    async def ask(self, question: str, on_text: TextSink) -> Answer:
        """A grounded answer from the configured model; cancelling the call closes the
        model's stream."""
        ...

    async def files_page(
        self, after: FilePosition | None, limit: int
    ) -> tuple[list[IndexedFile], FilePosition | None]:
        """Up to `limit` indexed files after `after`, and where the next page starts."""
        ...

    async def aclose(self) -> None: ...


def relative_citation_path(path: str, roots: list[Path]) -> str:
    """A cited path made relative to its root (the innermost holding it); unchanged otherwise."""
    candidate = Path(path)
    inside = [r for r in roots if candidate.is_relative_to(r)]
    root = max(inside, key=lambda r: len(r.parts), default=None)
    return path if root is None else candidate.relative_to(root).as_posix()


# The ignore rules check every parent folder against every ignore file above it, which
# grows with the cube of the depth: 2000 `x/` took a worker thread over 30 s.
MAX_PATH_DEPTH = 100


def path_of(raw: str) -> str:
    """A `file://` URI as the path it names; anything else as given. Refused when it is
    nested deeper than any workspace file plausibly is."""
    name = raw
    if raw.startswith("file:"):
        parsed = urlparse(raw)
        if parsed.netloc not in ("", "localhost"):
            raise Refused(f"{raw} names another host; only local files can be read")
        name = unquote(parsed.path)
    if name.count("/") > MAX_PATH_DEPTH:
        raise Refused(f"the path is nested deeper than {MAX_PATH_DEPTH} folders; no file is read")
    return name


def refuse_hard_link(path: Path, shown: str) -> None:
    if is_hard_link(path):
        raise Refused(
            f"{shown} is a hard link (the same file has other names, which may be a secret's); "
            "it is not readable"
        )
