"""Identifier-aware tokens for the keyword index.

FTS5's own tokenizers see `parseHTTPResponse` as one word, so a search for "http response"
would miss it. Text is expanded before indexing: every identifier becomes its lower-cased
parts followed by the parts joined, e.g. `parseHTTPResponse` -> "parse http response
parsehttpresponse". Queries go through the same expansion.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W_]+(?:_+[^\W_]+)*", re.UNICODE)


def _boundary(prev: str, cur: str, nxt: str) -> bool:
    if prev.isdigit() != cur.isdigit():
        return True
    if prev.islower() and cur.isupper():
        return True
    return prev.isupper() and cur.isupper() and nxt.islower()


def split_identifier(word: str) -> list[str]:
    """`parseHTTPResponse` -> ["parse", "http", "response"]; `snake_case` -> ["snake", "case"]."""
    parts: list[str] = []
    for piece in filter(None, word.split("_")):
        start = 0
        for i in range(1, len(piece)):
            nxt = piece[i + 1] if i + 1 < len(piece) else ""
            if _boundary(piece[i - 1], piece[i], nxt):
                parts.append(piece[start:i].lower())
                start = i
        parts.append(piece[start:].lower())
    return parts


def expand_word(word: str) -> list[str]:
    parts = split_identifier(word)
    joined = "".join(parts)
    return parts + [joined] if len(parts) > 1 else parts


def expand(text: str) -> str:
    """The token string stored in (and matched against) the FTS5 table."""
    return " ".join(token for match in _WORD.finditer(text) for token in expand_word(match[0]))


def query_tokens(query: str) -> list[str]:
    """Unique expanded tokens of a query, in order of first appearance."""
    return list(dict.fromkeys(expand(query).split()))


# English function words: in a natural-language query they match every chunk, cost time and
# drown the rare words that carry the meaning (measured on the stdlib task: MRR +0.05).
STOPWORDS = frozenset(
    "a about above after again against all am an and any are as at be because been before "
    "being below between both but by can did do does doing down during each few for from "
    "further had has have having he her here hers him his how i if in into is it its itself "
    "just me more most my no nor not now of off on once only or other our out over own same "
    "she should so some such than that the their them then there these they this those "
    "through to too under until up very was we were what when where which while who whom "
    "why will with you your".split()
)


def match_tokens(query: str) -> list[str]:
    """The tokens a keyword search looks for, one FTS5 phrase each: stopwords are dropped
    unless nothing else is left."""
    tokens = query_tokens(query)
    return [t for t in tokens if t not in STOPWORDS] or tokens


def fts_match(query: str) -> str | None:
    """An FTS5 MATCH expression: any token may match, BM25 rewards matching more of them."""
    tokens = match_tokens(query)
    if not tokens:
        return None
    return " OR ".join(f'"{token}"' for token in tokens)


def stem(token: str) -> str:
    """Crude suffix stripping that maps "parses", "parsed", "parsing" and "parse" alike."""
    for suffix in ("ing", "es", "ed", "s"):
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            token = token[: -len(suffix)]
            break
    return token[:-1] if token.endswith("e") and len(token) > 3 else token


def query_terms(query: str) -> set[str]:
    """Stemmed content words of a query, compared with the parts of symbol names."""
    return {stem(t) for t in query_tokens(query) if t not in STOPWORDS}


def name_text(symbol: str, path: str) -> str:
    """A chunk's "name view": its qualified symbol as words (`Task.print_stack` -> "task
    print stack"), else its path as words."""
    source = symbol or path
    return " ".join(p for match in _WORD.finditer(source) for p in split_identifier(match[0]))
