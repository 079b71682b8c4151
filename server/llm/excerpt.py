"""Cut a code chunk that cannot fit the window to the lines around its best match.

Dropping a chunk that is larger than the whole context allowance loses the very code the
question is about (often the best hit); an excerpt centred on the line that shares the most
words with the question keeps the relevant part and says which lines it covers.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from server.llm.budget import ContextChunk

MIN_EXCERPT_LINES = 3  # shorter chunks are dropped whole, not cut
MIN_TERM_CHARS = 3
STOPWORDS = frozenset(
    "the and for with that this from what why how does are was were can not you your "
    "into when where which there their have has had code file line lines".split()
)
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def query_terms(text: str) -> set[str]:
    """Lower-cased words of the question (identifiers split on `_` too), stopwords left out."""
    terms: set[str] = set()
    for word in WORD.findall(text):
        for part in {word, *word.split("_")}:
            lowered = part.lower()
            if len(lowered) >= MIN_TERM_CHARS and lowered not in STOPWORDS:
                terms.add(lowered)
    return terms


def best_line(lines: list[str], terms: set[str]) -> int:
    """Index of the line containing the most distinct terms; the first line if none match."""
    best, best_hits = 0, 0
    for index, line in enumerate(lines):
        lowered = line.lower()
        hits = sum(1 for term in terms if term in lowered)
        if hits > best_hits:
            best, best_hits = index, hits
    return best


def excerpt(chunk: ContextChunk, terms: set[str], max_chars: int) -> ContextChunk | None:
    """The chunk cut to at most `max_chars` of whole lines around its best match, growing
    below and above in turn; None when it is too short to cut or its best line alone is
    too long."""
    lines = chunk.text.splitlines()
    if len(lines) < MIN_EXCERPT_LINES:
        return None
    centre = best_line(lines, terms)
    low = high = centre
    size = len(lines[centre]) + 1
    if size > max_chars:
        return None
    grew = True
    while grew:
        grew = False
        for candidate in (high + 1, low - 1):
            if 0 <= candidate < len(lines) and not low <= candidate <= high:
                cost = len(lines[candidate]) + 1
                if size + cost <= max_chars:
                    size += cost
                    low, high = min(low, candidate), max(high, candidate)
                    grew = True
    if low == 0 and high == len(lines) - 1:
        return None
    origin = chunk.full_lines or (chunk.start_line, chunk.end_line)
    return replace(
        chunk,
        text="\n".join(lines[low : high + 1]),
        start_line=chunk.start_line + low,
        end_line=chunk.start_line + high,
        full_lines=origin,
    )
