"""One result per place: the scored chunks of a search folded into the definitions they
belong to.

A large definition is stored as several chunks (a class header and its body parts, a long
function's parts), and all of them can match a query. Returned as they are, they fill the
list with one place (issue 13 measured `Response.json` taking 4 of a top 5). Here every chunk
of one definition (same file, same symbol) and every chunk overlapping another becomes one
hit: the combined line range, the best score, the retrievers of all parts. Unnamed chunks are
merged only when they overlap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from server.indexing.catalog import ChunkRow

if TYPE_CHECKING:
    from server.indexing.search import Retriever

SNIPPET_MAX_LINES = 60
GAP_MARK = "..."


@dataclass
class Hit:
    """A scored chunk, or several merged; `lines` maps line numbers to the text retrieved."""

    row: ChunkRow
    score: float
    retrievers: list[Retriever]
    lines: dict[int, str]


def chunk_lines(row: ChunkRow) -> dict[int, str]:
    return {row.start_line + i: line for i, line in enumerate(row.text.splitlines())}


def _fold(into: Hit, part: Hit) -> None:
    """`part` (scored no better) becomes part of `into`."""
    row = into.row
    into.row = replace(
        row,
        symbol=row.symbol or part.row.symbol,
        start_line=min(row.start_line, part.row.start_line),
        end_line=max(row.end_line, part.row.end_line),
    )
    into.lines = {**part.lines, **into.lines}
    into.retrievers = sorted(set(into.retrievers) | set(part.retrievers))


def _overlaps(a: ChunkRow, b: ChunkRow) -> bool:
    return a.path == b.path and a.start_line <= b.end_line and b.start_line <= a.end_line


def merge_hits(hits: Sequence[Hit], by_definition: bool = True) -> list[Hit]:
    """Best first; a hit of the same definition as a better one, or overlapping it, is folded
    into it (`by_definition=False`: overlap only)."""
    kept: list[Hit] = []
    definitions: dict[tuple[str, str], Hit] = {}
    for hit in sorted(hits, key=lambda h: h.score, reverse=True):
        key = (hit.row.path, hit.row.symbol)
        target = definitions.get(key) if by_definition and hit.row.symbol else None
        if target is None:
            target = next((k for k in kept if _overlaps(k.row, hit.row)), None)
        if target is None:
            kept.append(hit)
            if hit.row.symbol:
                definitions.setdefault(key, hit)
            continue
        _fold(target, hit)
    return kept


def merge_overlapping(hits: Sequence[Hit]) -> list[Hit]:
    """Best first; a hit overlapping a better one in the same file is folded into it."""
    return merge_hits(hits, by_definition=False)


def snippet(hit: Hit) -> str:
    """The retrieved lines in order, at most SNIPPET_MAX_LINES; a stretch of the combined
    range that no merged part retrieved shows as one `...` line."""
    out: list[str] = []
    gap = False
    for number in range(hit.row.start_line, hit.row.end_line + 1):
        line = hit.lines.get(number)
        if line is None:
            gap = bool(out)
            continue
        if gap:
            out.append(GAP_MARK)
            gap = False
        out.append(line)
    return "\n".join(out[:SNIPPET_MAX_LINES])
