"""Priors applied to the reranked scores: where a file sits, whether a chunk defines a name
the query spells out, whether the file (or its folder) is named after it, how many
candidates its file holds, and how much the keyword ranking is worth for a query of this shape.

Every adjustment is a factor on a positive score (the reranker's probability), so it composes
with the same-file discount of diversity.py, and each is a rule about code in general, not
about one repository. The factors were set on the development benchmark (docs/benchmarks.md).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

from server.indexing.catalog import ChunkRow
from server.indexing.definitions import OWNER_KINDS, defined_name
from server.indexing.identifiers import query_terms, query_tokens, split_identifier, stem
from server.indexing.path_priors import asked_roles, path_factor
from server.indexing.query_shape import QueryShape, normalise, shape
from server.place_priors import DEFAULT_FACTORS, Role

DEFINITION_FIRST = 1.5  # a definition of a name written as code: above the best other result
DEFINITION_BOOST = 1.5  # a definition of a name the question's words spell
# Definitions go first only for a query that is mostly names: a docstring-like question that
# mentions an identifier is usually about the code that uses it (stdlib task: MRR -0.02).
FIRST_MIN_IDENTIFIER = 0.5
STEM_NAMED = 2.0  # a file named as the query's identifier (`TRPCError.ts` for TRPCError)
STEM_BOOST = 1.3  # a file named after words of the query ("type adapter": type_adapter.py)
STEM_WORDS_BOOST = 1.2  # a file whose name's words are all query words (`errors.ts`, "error")
# x(1 + FILE_SUPPORT * ln n) for n candidates from the same file: a file that many of the
# candidates come from is central to the question (dev benchmark +0.006, stdlib slice +0.002;
# 0.25 with old versions at 0.1: dev +0.0015, full stdlib task +0.001, docs/benchmarks.md)
FILE_SUPPORT = 0.25
# x(1 + FOLDER_WORD * n) for n words of the file's folders that the query uses: "security and
# OAuth2 authentication" -> `fastapi/security/` (dev benchmark +0.002, stdlib task +0.0001)
FOLDER_WORD = 0.2
KEYWORD_BOOST = 0.5  # identifier queries: extra weight of a top keyword rank (1 / rank)


@dataclass(frozen=True)
class QueryPriors:
    """What one query brings to the adjustment: its shape and the roles it asks for."""

    shape: QueryShape
    asked: set[Role]
    terms: set[str]  # stemmed content words (identifiers.query_terms)

    @classmethod
    def of(cls, query: str) -> QueryPriors:
        return cls(shape(query), asked_roles(query_tokens(query)), query_terms(query))


@functools.lru_cache(maxsize=1 << 16)  # called per candidate of every search
def _file_words(path: str) -> tuple[str, ...]:
    """The words of a file's name without its extensions: `type_adapter.py` -> type, adapter."""
    return tuple(split_identifier(PurePosixPath(path).name.split(".", 1)[0]))


@functools.lru_cache(maxsize=1 << 16)  # called per candidate of every search
def _folder_words(path: str) -> frozenset[str]:
    """The stemmed words of a file's folders: `fastapi/security/oauth2.py` -> fastapi,
    security."""
    folders = PurePosixPath(path).parts[:-1]
    return frozenset(stem(w) for folder in folders for w in split_identifier(folder))


def folder_factor(path: str, query: QueryPriors) -> float:
    return 1.0 + FOLDER_WORD * len(_folder_words(path) & query.terms)


def stem_factor(path: str, query: QueryPriors) -> float:
    words = _file_words(path)
    if not words:
        return 1.0
    name = "".join(words)
    if name in query.shape.strong_names:
        return STEM_NAMED
    if name in query.shape.names:
        return STEM_BOOST
    if all(stem(w) in query.terms for w in words):
        return STEM_WORDS_BOOST
    return 1.0


def is_definition(row: ChunkRow, names: frozenset[str]) -> bool:
    if not names or not row.symbol:
        return False
    if defined_name(row) in names:
        return True
    owner = normalise(row.symbol.split(".", 1)[0])
    return row.kind in OWNER_KINDS and owner in names


def adjust(
    scores: Mapping[str, float],
    rows: Mapping[str, ChunkRow],
    keyword_rank: Mapping[str, int],
    query: QueryPriors,
    old_dirs: frozenset[str],
    factors: Mapping[str, float] = DEFAULT_FACTORS,
) -> dict[str, float]:
    """The scores times the priors; definitions of names written as code go first."""
    names, strong = query.shape.names, query.shape.strong_names
    ident = query.shape.identifier
    out: dict[str, float] = {}
    firsts: dict[str, float] = {}  # id -> its place and folder factors
    per_file: dict[str, int] = {}
    for cid in scores:
        per_file[rows[cid].path] = per_file.get(rows[cid].path, 0) + 1
    for cid, score in scores.items():
        row = rows[cid]
        place = path_factor(row.path, old_dirs, query.asked, factors)
        folder = folder_factor(row.path, query)
        factor = place * folder
        if is_definition(row, names):
            if ident >= FIRST_MIN_IDENTIFIER and is_definition(row, strong):
                firsts[cid] = place * folder
            else:
                factor *= DEFINITION_BOOST
        factor *= stem_factor(row.path, query)
        factor *= 1.0 + FILE_SUPPORT * math.log(per_file[row.path])
        rank = keyword_rank.get(cid)
        if rank is not None and ident > 0:
            factor *= 1.0 + KEYWORD_BOOST * ident / rank
        out[cid] = score * factor
    if firsts:
        top = max(out.values())
        for cid, place in firsts.items():
            out[cid] = max(out[cid], top * place) * DEFINITION_FIRST
    return out
