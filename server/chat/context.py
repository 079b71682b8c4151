"""Gather what a prompt is based on: retrieved workspace code and (optionally) web pages.

Retrieval is best effort: an index that is still building, or a web search that fails, gives
fewer results, never a failed turn.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from server.chat.models import CodeCitation, FocusCode, WebCitation
from server.chat.ports import CodeSearch, WebPages
from server.llm import BudgetReport, ContextChunk, ToolResult
from server.tools.errors import ToolError

if TYPE_CHECKING:
    from server.indexing.multi_root import Workspace

log = logging.getLogger(__name__)

RAG_RESULTS = 6
WEB_RESULTS = 5
WEB_PAGES = 3
FOCUS_SCORE = float("inf")  # the user's own buffer is the last context to be dropped


@dataclass
class PromptContext:
    """Chunks and tool results for the prompt, each with the citation it stands for."""

    focus: CodeCitation | None = None  # the user's selection, which is part of the question
    chunks: list[ContextChunk] = field(default_factory=list)
    chunk_citations: dict[str, CodeCitation] = field(default_factory=dict)  # by location
    tool_results: list[ToolResult] = field(default_factory=list)
    web_citations: list[WebCitation] = field(default_factory=list)

    def add_chunk(self, chunk: ContextChunk, citation: CodeCitation) -> None:
        self.chunks.append(chunk)
        self.chunk_citations[chunk.location] = citation

    def citations(self, budget: BudgetReport | None = None) -> list[CodeCitation | WebCitation]:
        """Citations of what reached the model: chunks the budget dropped are left out, an
        excerpt cites the lines sent; without a budget, everything that was gathered."""
        kept: list[CodeCitation] = []
        for location, citation in self.chunk_citations.items():
            if budget is not None and location in budget.dropped_chunks:
                continue
            cut = budget.cut(location) if budget is not None else None
            if cut is not None:
                citation = replace(citation, start_line=cut.start_line, end_line=cut.end_line)
            kept.append(citation)
        gone = set(budget.dropped_tool_results) if budget is not None else set()
        web = [c for c in self.web_citations if c.url not in gone]
        focus = [self.focus] if self.focus is not None else []
        return [*focus, *kept, *web]


def relative(path: Path, workspace: Workspace | None) -> str:
    if workspace is not None and path.is_relative_to(workspace.root):
        return path.relative_to(workspace.root).as_posix()
    return path.as_posix()


def focus_chunk(code: CodeSearch, focus: FocusCode) -> tuple[ContextChunk, CodeCitation]:
    """The open buffer as a chunk that outranks every retrieved one."""
    chunk = ContextChunk(
        path=relative(focus.path, code.workspace_for(focus.path)),
        start_line=focus.start_line,
        end_line=focus.end_line,
        text=focus.text,
        score=FOCUS_SCORE,
    )
    return chunk, CodeCitation(str(focus.path), focus.start_line, focus.end_line)


async def retrieve(
    code: CodeSearch, query: str, near: Path | None, k: int = RAG_RESULTS
) -> list[tuple[ContextChunk, CodeCitation]]:
    """Best chunks from the workspace containing `near`, or from every workspace."""
    home = code.workspace_for(near) if near is not None else None
    try:
        outcome = await code.search(query, k, workspaces=[home] if home else None)
    except Exception:
        log.warning("workspace search failed; answering without it", exc_info=True)
        return []
    found: list[tuple[ContextChunk, CodeCitation]] = []
    for hit in outcome.found:
        r = hit.result
        chunk = ContextChunk(r.path, r.start_line, r.end_line, r.snippet, r.score, r.symbol or None)
        found.append((chunk, CodeCitation(str(hit.abs_path), r.start_line, r.end_line, r.symbol)))
    return found


async def web_results(web: WebPages, query: str) -> list[tuple[ToolResult, WebCitation]]:
    """Pages read for the question; their text enters the prompt as untrusted data."""
    try:
        result = await web.search_and_fetch(query, WEB_RESULTS, WEB_PAGES)
    except ToolError as exc:
        log.warning("web search for chat failed: %s", exc)
        return []
    return [
        (ToolResult(page.url, page.title, page.text), WebCitation(page.url, page.title))
        for page in result.pages
    ]


async def gather(
    code: CodeSearch,
    web: WebPages,
    query: str,
    focus: FocusCode | None,
    *,
    include_rag: bool,
    include_tools: bool,
) -> PromptContext:
    context = PromptContext()
    if focus is not None and focus.whole_file:
        context.add_chunk(*focus_chunk(code, focus))
    elif focus is not None:
        context.focus = CodeCitation(str(focus.path), focus.start_line, focus.end_line)
    if include_rag:
        for chunk, citation in await retrieve(code, query, focus.path if focus else None):
            if focus is not None and focus.whole_file and citation.path == str(focus.path):
                continue  # already in the prompt, as the live buffer
            context.add_chunk(chunk, citation)
    if include_tools:
        for result, citation in await web_results(web, query):
            context.tool_results.append(result)
            context.web_citations.append(citation)
    return context
