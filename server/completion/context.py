"""What the model sees: a window of the buffer around the cursor, recently edited regions
that share identifiers with the code at the cursor, and chunks of other files from the
index: those defining the names used at the cursor (`server.completion.definitions`), then
those found by searching for the identifiers near the cursor and the enclosing definition.

Index chunks come from the multi-root search, which withholds anything under the secret
rules; they are checked again here (the same rules), and the file being edited is left out
(its text is in the window already, as typed). Chunks are added best first while the
budget lasts, each costed in the FIM server's tokens when it has a tokenizer.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from server.completion.definitions import defines_any, used_names
from server.completion.recent_edits import Snippet
from server.completion.request import ExtraChunk
from server.completion.tokens import Counted, chunk_text, estimate
from server.indexing.multi_root import MultiSearch
from server.indexing.search import Retriever
from server.secret_rules import has_secret_content

SearchFn = Callable[[str, int, Sequence[Retriever]], Awaitable[MultiSearch]]
CountFn = Callable[[Sequence[str]], Awaitable[Counted]]

PREFIX_LINES = 80
SUFFIX_LINES = 30
NEAR_LINES = 12  # lines around the cursor whose identifiers make the query
MAX_TERMS = 8
SEARCH_K = 8
RECENT_SHARE = 0.5  # of the budget, at most, for recently edited regions: the index keeps room
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
    tokens: int = 0  # what the chunks cost, in the model's tokens when `exact`
    exact: bool = True


@dataclass(frozen=True)
class Candidate:
    chunk: ExtraChunk
    recent: bool  # from the recently edited regions, not the index


async def no_search() -> MultiSearch:
    return MultiSearch([], True, [])


async def estimate_all(texts: Sequence[str]) -> Counted:
    return Counted([estimate(t) for t in texts], exact=False)


def relevant_recent(query: str, recent: Sequence[Snippet]) -> list[ExtraChunk]:
    """Recent regions sharing an identifier with the code at the cursor, the most shared
    first, then the most recent."""
    terms = set(query.split())
    scored = []
    for rank, snippet in enumerate(recent):  # most recent first
        shared = len(terms & set(IDENTIFIER.findall(snippet.text)))
        if shared and not has_secret_content(snippet.text):
            scored.append((-shared, rank, ExtraChunk(snippet.label, snippet.text)))
    return [chunk for *_, chunk in sorted(scored, key=lambda s: s[:2])]


async def gather_context(
    search: SearchFn,
    prefix: str,
    suffix: str,
    current: str,
    budget_tokens: int,
    retrievers: Sequence[Retriever],
    recent: Sequence[Snippet] = (),
    count: CountFn = estimate_all,
) -> GatheredContext:
    """Chunks within `budget_tokens`: recently edited regions that share identifiers with
    the code at the cursor (up to RECENT_SHARE of the budget), then index chunks of other
    files (`current` is the edited file's path): first those defining a name used at the
    cursor, then those like the code around it. The two searches run together."""
    query = query_near_cursor(prefix, suffix)
    if budget_tokens <= 0 or not query:
        return GatheredContext([], [])
    names = used_names(prefix, suffix)
    found, for_names = await asyncio.gather(
        search(query, SEARCH_K, retrievers),
        search(" ".join(names), SEARCH_K, retrievers) if names else no_search(),
    )
    notes = list(dict.fromkeys([*found.warnings, *for_names.warnings]))
    candidates = [Candidate(chunk, True) for chunk in relevant_recent(query, recent)]
    defining = [
        (rank, n, hit)
        for n, hit in enumerate(for_names.found)
        if (rank := defines_any(hit.result.snippet, names)) is not None
    ]
    hits = [hit for *_, hit in sorted(defining, key=lambda d: d[:2])] + found.found
    seen: set[tuple[str, str]] = set()
    for hit in hits:
        key = (hit.result.path, hit.result.snippet)
        if str(hit.abs_path) == current or key in seen or has_secret_content(key[1]):
            continue
        seen.add(key)
        candidates.append(Candidate(ExtraChunk(*key), False))
    counted = await count([chunk_text(c.chunk.filename, c.chunk.text) for c in candidates])
    if counted.note:
        notes.append(counted.note)
    chunks: list[ExtraChunk] = []
    spent = recent_spent = 0
    left_out = 0
    for candidate, cost in zip(candidates, counted.counts, strict=True):
        over_share = candidate.recent and recent_spent + cost > budget_tokens * RECENT_SHARE
        if over_share or spent + cost > budget_tokens:
            left_out += 1
            continue
        spent += cost
        recent_spent += cost if candidate.recent else 0
        chunks.append(candidate.chunk)
    if left_out:
        notes.append(f"{left_out} context chunk(s) left out: budget of {budget_tokens} tokens")
    if not (found.complete and for_names.complete):
        notes.append("the index is still being built: context may be missing")
    return GatheredContext(chunks, notes, spent, counted.exact)
