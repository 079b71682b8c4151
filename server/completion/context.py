"""What the model sees: a window of the buffer around the cursor, and chunks of other files
found by searching the index for the identifiers near the cursor and the enclosing definition.

Chunks come from the index's multi-root search, which withholds anything under the secret
rules; they are checked again here (the same rules), and the file being edited is left out
(its text is in the window already). Chunks are added best first while the budget lasts.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from server.completion.request import ExtraChunk
from server.indexing.multi_root import MultiSearch
from server.indexing.search import Retriever
from server.llm.estimate import estimate_text_tokens
from server.secret_rules import has_secret_content

SearchFn = Callable[[str, int, Sequence[Retriever]], Awaitable[MultiSearch]]

PREFIX_LINES = 80
SUFFIX_LINES = 30
NEAR_LINES = 12  # lines around the cursor whose identifiers make the query
MAX_TERMS = 8
SEARCH_K = 8
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")
DEFINITION = re.compile(
    r"^\s*(?:async\s+)?(?:def|class|function|func|fn|fun|interface|struct|impl)\s+([A-Za-z_]\w*)",
    re.MULTILINE,
)
COMMON = frozenset(
    "and the def class return self None True False import from for while with not this "
    "const let var function async await elif else pass lambda print public private static "
    "void int str bool float string new null true false undefined".split()
)


def window(prefix: str, suffix: str) -> tuple[str, str]:
    """The last PREFIX_LINES lines before the cursor and SUFFIX_LINES after it."""
    head = prefix.split("\n")
    tail = suffix.split("\n")
    return "\n".join(head[-PREFIX_LINES:]), "\n".join(tail[:SUFFIX_LINES])


def query_near_cursor(prefix: str, suffix: str) -> str:
    """The enclosing definition's name and the identifiers nearest the cursor, nearest first."""
    before = prefix.split("\n")[-NEAR_LINES:]
    after = suffix.split("\n")[: NEAR_LINES // 3]
    terms: list[str] = []
    definitions = DEFINITION.findall(prefix[-4000:])
    if definitions:
        terms.append(definitions[-1])
    for word in reversed(IDENTIFIER.findall("\n".join(before))):
        if word not in terms and word.lower() not in COMMON:
            terms.append(word)
    for word in IDENTIFIER.findall("\n".join(after)):
        if word not in terms and word.lower() not in COMMON:
            terms.append(word)
    return " ".join(terms[:MAX_TERMS])


@dataclass
class GatheredContext:
    chunks: list[ExtraChunk]
    notes: list[str]


async def gather_context(
    search: SearchFn,
    prefix: str,
    suffix: str,
    current: str,
    budget_tokens: int,
    retrievers: Sequence[Retriever],
) -> GatheredContext:
    """Chunks of other files within `budget_tokens`; `current` is the edited file's path."""
    query = query_near_cursor(prefix, suffix)
    if budget_tokens <= 0 or not query:
        return GatheredContext([], [])
    found = await search(query, SEARCH_K, retrievers)
    notes = list(found.warnings)
    chunks: list[ExtraChunk] = []
    spent = 0
    left_out = 0
    for hit in found.found:
        if str(hit.abs_path) == current or has_secret_content(hit.result.snippet):
            continue
        text = hit.result.snippet
        cost = estimate_text_tokens(text) + 8
        if spent + cost > budget_tokens:
            left_out += 1
            continue
        spent += cost
        chunks.append(ExtraChunk(hit.result.path, text))
    if left_out:
        notes.append(
            f"{left_out} index chunk(s) left out: context budget of {budget_tokens} tokens"
        )
    if not found.complete:
        notes.append("the index is still being built: context may be missing")
    return GatheredContext(chunks, notes)
