"""Search across every open workspace root: each root's index is searched, the hits merged by
fused score, and anything that holds a secret withheld (an index built under older rules
may still have one)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from server.indexing.indexer import WorkspaceIndex
from server.indexing.search import Retriever, SearchResult
from server.secret_rules import has_secret_content, is_hard_link, is_secret_path


@dataclass
class Workspace:
    """One workspace root, the folder where its state lives, and its index."""

    root: Path
    data_dir: Path
    index: WorkspaceIndex


@dataclass(frozen=True)
class Found:
    """A search result with the workspace it came from (paths are relative to its root)."""

    workspace: Workspace
    result: SearchResult

    @property
    def abs_path(self) -> Path:
        return self.workspace.root / self.result.path


@dataclass(frozen=True)
class MultiSearch:
    """Results across every workspace root, best first, and how complete the indexes were."""

    found: list[Found]
    complete: bool
    warnings: list[str]


async def search_workspaces(
    targets: Sequence[Workspace],
    query: str,
    k: int = 10,
    paths: list[str] | None = None,
    languages: list[str] | None = None,
    retrievers: Sequence[Retriever] = ("dense", "keyword"),
    group: bool = False,
) -> MultiSearch:
    """Hybrid search in each root, merged by fused score; `group`: each file once (roots
    hold different files, so per-root grouping is enough)."""
    if not targets:
        return MultiSearch([], False, ["no workspace is open (yet)"])
    responses = await asyncio.gather(
        *(w.index.search(query, k, paths, languages, retrievers, group) for w in targets)
    )
    found = [Found(w, r) for w, resp in zip(targets, responses, strict=True) for r in resp.results]
    found.sort(key=lambda f: f.result.score, reverse=True)
    warnings = [warning for resp in responses for warning in resp.warnings]
    kept = await asyncio.to_thread(_without_secrets, found)
    if len(kept) < len(found):
        warnings.append(f"{len(found) - len(kept)} result(s) withheld: they hold secrets")
    return MultiSearch(kept[:k], all(resp.complete for resp in responses), warnings)


def _without_secrets(found: list[Found]) -> list[Found]:
    """Defense in depth: an index built under older rules may still hold a secret file."""
    return [
        f
        for f in found
        if not is_secret_path(f.abs_path, f.workspace.root)
        and not is_hard_link(f.abs_path)
        and not has_secret_content(f.result.snippet)
    ]
