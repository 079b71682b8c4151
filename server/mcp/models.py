"""What the MCP tools return: typed records, so every tool has an output schema a model and
a client can rely on. Field descriptions are written for the model reading them."""

from __future__ import annotations

from pydantic import BaseModel, Field

from server.tools.models import (
    FetchedPage as FetchedPage,  # re-exported: fetch_url's output
    SearchResult as WebResult,
)


class CodeHit(BaseModel):
    """One place in the code, as REST /api/v1/rag/search gives it."""

    path: str = Field(description="relative to the workspace root")
    start_line: int = Field(description="1-based, inclusive")
    end_line: int = Field(description="1-based, inclusive")
    symbol: str = Field(description="the definition the lines belong to ('' for none)")
    language: str
    score: float = Field(description="ranking score, higher is better")
    snippet: str = Field(description="the code of the place (may be shortened)")
    retrievers: list[str] = Field(description="which searches found it: dense, keyword")


class SearchCodeResult(BaseModel):
    results: list[CodeHit]
    complete: bool = Field(
        description="false while the index is still being built: results may be missing"
    )
    warnings: list[str]


class CodeText(BaseModel):
    """Lines of one workspace file."""

    root: str = Field(description="the workspace root holding the file")
    path: str = Field(description="relative to the root")
    language: str | None
    start_line: int = Field(description="first line returned, 1-based")
    end_line: int = Field(description="last line returned, 1-based, inclusive")
    total_lines: int = Field(description="lines in the whole file")
    text: str
    truncated: bool = Field(description="fewer lines than asked for were returned")
    notice: str | None = Field(None, description="why the text was cut, and how to read on")


class SymbolHit(BaseModel):
    name: str
    kind: str = Field(description="function, class, method, ...")
    root: str
    path: str = Field(description="relative to the root")
    start_line: int
    end_line: int
    language: str


class SymbolsResult(BaseModel):
    symbols: list[SymbolHit] = Field(description="exact names first, then prefixes, then others")
    truncated: bool = Field(description="more definitions matched than were returned")
    notice: str | None = Field(None, description="what to try when nothing matched")


class WorkspaceStatus(BaseModel):
    root: str
    files_total: int
    files_keyword_indexed: int
    files_embedded: int
    chunks: int
    chunks_embedded: int
    state: str
    phase: str
    files_per_s: float
    eta_s: float | None
    complete: bool = Field(description="every file keyword-indexed and embedded")
    warnings: list[str]


class IndexStatusResult(BaseModel):
    workspaces: list[WorkspaceStatus]


class ReindexResult(BaseModel):
    started: list[str] = Field(description="roots being re-read now")
    workspaces: list[WorkspaceStatus] = Field(
        description="status when the reindex started; poll index_status until complete"
    )


class WebSearchResult(BaseModel):
    query: str
    results: list[WebResult]


class Citation(BaseModel):
    """Code or a web page the answer was based on."""

    path: str | None = Field(None, description="workspace-relative path of cited code")
    start_line: int | None = None
    end_line: int | None = None
    symbol: str | None = None
    url: str | None = Field(None, description="a cited web page")
    title: str | None = None


class Answer(BaseModel):
    text: str
    citations: list[Citation]
    status: str = Field(description="completed, cancelled or error")
    error: str | None = None
    truncated: bool = Field(description="the reply limit cut the answer short")
    notices: list[str] = Field(description="context that was cut or left out, truncation")
    provider: str | None
    model: str | None


class IndexedFile(BaseModel):
    """A file the index holds: what the resources list shows."""

    root: str
    path: str
    language: str
    size: int
