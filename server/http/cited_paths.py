"""Code citations as REST sends them: the path relative to the workspace root that holds it,
with that root, as search results give it (and LSP chat). Sessions store absolute paths, so
a conversation read later through another front end still points at the same file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any


def relative_citation(citation: dict[str, Any], roots: Sequence[Path]) -> dict[str, Any]:
    """`citation` with `path` relative to the innermost root holding it and `root` added;
    a web citation, or a path outside every root, as it was."""
    path = citation.get("path")
    if not isinstance(path, str) or not Path(path).is_absolute():
        return citation
    holding = [root for root in roots if Path(path).is_relative_to(root)]
    if not holding:
        return citation
    root = max(holding, key=lambda r: len(r.parts))
    return {**citation, "path": Path(path).relative_to(root).as_posix(), "root": str(root)}


def relative_citations(
    citations: list[dict[str, Any]], roots: Sequence[Path]
) -> list[dict[str, Any]]:
    return [relative_citation(c, roots) for c in citations]
