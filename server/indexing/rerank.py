"""Second stage of hybrid search: a linear model over the fused candidates.

Rank fusion only sees positions. The reranker also sees how close each candidate is to
the query in embedding space (relative to the best candidate), whether the query names
the candidate's symbol (as words, and in embedding space through a short "name view"
vector per symbol), how much of the candidate's file was retrieved, and what kind of chunk
it is. The weights (rerank_model.json) are written by `python -m bench.fit_rerank`, fitted on
a development task built from ten third-party libraries, never on the stdlib task the
benchmark reports (docs/benchmarks.md).
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from server.indexing.catalog import ChunkRow
from server.indexing.identifiers import split_identifier, stem

KINDS = (
    "function",
    "method",
    "class",
    "class_header",
    "class_body",
    "function_part",
    "module",
    "type",  # the named declarations of chunker v2: type aliases, interfaces, enums, structs
    "const",
    "variable",
    "macro",
)
FEATURES = (
    "dense_gap",  # cosine similarity minus the best candidate's
    "in_dense",
    "in_keyword",
    "dense_log_rank",
    "keyword_log_rank",
    "name_share",  # share of the symbol's name parts that the query contains
    "name_hits",
    "name_gap",  # name-view similarity minus the best candidate's
    "file_best_gap",  # best dense_gap among candidates from the same file
    "file_candidates",
    *(f"kind_{kind}" for kind in KINDS),
    # Lexical coverage: the IDF-weighted share of the query's content words (stems, found
    # as substrings, so "even" is in `_iseven`) that the candidate's own text holds; IDF
    # over the candidates, so a word every candidate has counts least.
    "code_cover",  # in its code, comments and string literals left out
    "code_cover_gap",  # code_cover minus the best candidate's
    "signature_cover",  # in its first line of code: the name and the parameters
    "symbol_cover",  # in its qualified symbol name
    "file_code_gap",  # best code_cover among candidates from the same file, minus the best
)
# Comments and string literals (Python, C-family): left out of code_cover. A docstring that
# repeats the query's words is the dense half's evidence; counted here, the fit learned that
# words found only there mark a wrong answer, an artefact of tasks built from docstrings.
_NON_CODE = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\''
    r"|#[^\n]*|//[^\n]*|/\*[\s\S]*?\*/"
)


@dataclass(frozen=True)
class Candidate:
    row: ChunkRow
    dense_rank: int | None  # 1-based
    dense_sim: float | None  # cosine similarity to the query
    keyword_rank: int | None
    name_sim: float | None  # cosine similarity of the query and the name view


def features(terms: set[str], candidates: Sequence[Candidate]) -> list[list[float]]:
    """One row per candidate, columns as FEATURES. Similarities are relative to the best
    candidate so the model does not depend on how easy the query is; a retriever that did
    not find a candidate ranks it just below everything it did find."""
    dense = [c.dense_sim for c in candidates if c.dense_sim is not None]
    best_dense, floor_dense = (max(dense), min(dense)) if dense else (0.0, 0.0)
    names = [c.name_sim for c in candidates if c.name_sim is not None]
    best_name, floor_name = (max(names), min(names)) if names else (0.0, 0.0)
    absent = math.log(len(candidates) + 1)
    gaps = [
        (c.dense_sim if c.dense_sim is not None else floor_dense) - best_dense for c in candidates
    ]
    by_file: dict[str, list[float]] = {}
    for c, gap in zip(candidates, gaps, strict=True):
        by_file.setdefault(c.row.path, []).append(gap)
    lexical = coverage(terms, candidates)
    rows = []
    for c, gap, cover in zip(candidates, gaps, lexical, strict=True):
        parts = {stem(p) for p in split_identifier(c.row.symbol.rsplit(".", 1)[-1])}
        hits = len(parts & terms)
        name_sim = c.name_sim if c.name_sim is not None else floor_name
        siblings = by_file[c.row.path]
        rows.append(
            [
                gap,
                float(c.dense_rank is not None),
                float(c.keyword_rank is not None),
                math.log(c.dense_rank) if c.dense_rank else absent,
                math.log(c.keyword_rank) if c.keyword_rank else absent,
                hits / len(parts) if parts else 0.0,
                float(hits),
                name_sim - best_name,
                max(siblings),
                float(len(siblings)),
                *(float(c.row.kind == kind) for kind in KINDS),
                *cover,
            ]
        )
    return rows


@functools.lru_cache(maxsize=4096)  # a chunk recurs across the searches of a session
def code_text(text: str) -> str:
    """The chunk's code, lower-cased, without comments and string literals."""
    return _NON_CODE.sub(" ", text).lower()


def signature(text: str) -> str:
    """The first line of code: not blank, not a decorator or a comment."""
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("@", "#", "//")):
            return line.lower()
    return ""


def coverage(terms: set[str], candidates: Sequence[Candidate]) -> list[tuple[float, ...]]:
    """The lexical coverage columns of FEATURES, one tuple per candidate."""
    words = sorted(terms)
    codes = [code_text(c.row.text) for c in candidates]
    df = [sum(w in code for code in codes) for w in words]
    idf = [math.log1p(len(codes) / n) if n else 0.0 for n in df]
    total = sum(idf) or 1.0
    weighted = [(w, weight / total) for w, weight in zip(words, idf, strict=True) if weight]

    def share(text: str) -> float:
        return sum(weight for w, weight in weighted if w in text)

    code = [share(text) for text in codes]
    best = max(code, default=0.0)
    file_best: dict[str, float] = {}
    for c, value in zip(candidates, code, strict=True):
        file_best[c.row.path] = max(file_best.get(c.row.path, 0.0), value)
    return [
        (
            value,
            value - best,
            share(signature(c.row.text)),
            share(c.row.symbol.lower()),
            file_best[c.row.path] - best,
        )
        for c, value in zip(candidates, code, strict=True)
    ]


@dataclass(frozen=True)
class RerankModel:
    """Logistic regression: score = sigmoid(bias + sum(weight * feature)), in (0, 1)."""

    weights: dict[str, float]
    bias: float

    def scores(self, terms: set[str], candidates: Sequence[Candidate]) -> list[float]:
        w = [self.weights.get(name, 0.0) for name in FEATURES]
        logits = (
            self.bias + sum(a * b for a, b in zip(w, row, strict=True))
            for row in features(terms, candidates)
        )
        return [1.0 / (1.0 + math.exp(-min(max(z, -30.0), 30.0))) for z in logits]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RerankModel:
        """A model file must name exactly FEATURES: weights fitted for another feature set
        would be silently wrong."""
        weights = {str(k): float(v) for k, v in data["weights"].items()}
        if set(weights) != set(FEATURES):
            raise ValueError(f"rerank model features {sorted(weights)} != {sorted(FEATURES)}")
        return cls(weights, float(data["bias"]))


MODEL_FILE = "rerank_model.json"


def load_default() -> RerankModel:
    text = resources.files(__package__).joinpath(MODEL_FILE).read_text()
    return RerankModel.from_json(json.loads(text))


DEFAULT_MODEL = load_default()
