"""Hybrid retrieval: dense (vector store) and keyword (FTS5 BM25) rankings fused by
reciprocal rank fusion, filtered by path glob and language, overlapping hits merged.

Either side may be missing (model still loading, vectors half built, store down); the fusion
simply uses what is there, and the response says how complete the index was.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import pathspec

from server.indexing.catalog import Catalog, ChunkRow
from server.indexing.embedder import EmbeddingThread
from server.indexing.vector_store import VectorStore

log = logging.getLogger(__name__)

Retriever = Literal["dense", "keyword"]
SNIPPET_MAX_LINES = 60
OVERFETCH = 4


@dataclass(frozen=True)
class SearchWeights:
    """RRF: score = sum over retrievers of weight / (rrf_k + rank).

    Keyword search is the weaker half on natural-language questions, so it gets half the
    weight; measured on the stdlib task (docs/benchmarks.md) this beats plain 1:1 fusion.
    """

    dense: float = 1.0
    keyword: float = 0.5
    rrf_k: int = 30


@dataclass
class SearchResult:
    path: str  # relative to the workspace root
    start_line: int
    end_line: int
    symbol: str
    language: str
    score: float
    snippet: str
    retrievers: list[Retriever]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SearchResponse:
    query: str
    results: list[SearchResult]
    complete: bool  # every file keyword-indexed and embedded when the query ran
    files_total: int
    files_keyword_indexed: int
    files_embedded: int
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Hit:
    row: ChunkRow
    score: float
    retrievers: list[Retriever]
    lines: dict[int, str]


def fuse(rankings: dict[Retriever, list[str]], weights: SearchWeights) -> dict[str, float]:
    """Reciprocal rank fusion of id rankings (best first)."""
    scores: dict[str, float] = {}
    for retriever, ids in rankings.items():
        weight = weights.dense if retriever == "dense" else weights.keyword
        for rank, cid in enumerate(ids, start=1):
            scores[cid] = scores.get(cid, 0.0) + weight / (weights.rrf_k + rank)
    return scores


def _lines(row: ChunkRow) -> dict[int, str]:
    return {row.start_line + i: line for i, line in enumerate(row.text.splitlines())}


def merge_overlapping(hits: Sequence[_Hit]) -> list[_Hit]:
    """Best first; a hit overlapping a better one in the same file is folded into it."""
    kept: list[_Hit] = []
    for hit in sorted(hits, key=lambda h: h.score, reverse=True):
        target = next(
            (
                k
                for k in kept
                if k.row.path == hit.row.path
                and hit.row.start_line <= k.row.end_line
                and k.row.start_line <= hit.row.end_line
            ),
            None,
        )
        if target is None:
            kept.append(hit)
            continue
        row = target.row
        target.row = ChunkRow(
            row.id,
            row.path,
            row.language,
            row.symbol or hit.row.symbol,
            row.kind,
            min(row.start_line, hit.row.start_line),
            max(row.end_line, hit.row.end_line),
            row.text,
            row.embedded,
        )
        target.lines = {**hit.lines, **target.lines}
        target.retrievers = sorted(set(target.retrievers) | set(hit.retrievers))
    return kept


def _snippet(hit: _Hit) -> str:
    numbers = range(hit.row.start_line, hit.row.end_line + 1)
    lines = [hit.lines.get(n, "") for n in numbers][:SNIPPET_MAX_LINES]
    return "\n".join(lines)


def path_filter(globs: Sequence[str] | None) -> pathspec.PathSpec | None:
    """gitignore-style globs: `*.py`, `server/**/test_*.py`, `server/indexing`."""
    if not globs:
        return None
    return pathspec.PathSpec.from_lines("gitignore", globs)


async def _nothing() -> list:
    return []


class HybridSearch:
    """Runs both retrievers and fuses them; store calls run on worker threads."""

    def __init__(
        self,
        catalog: Catalog,
        store: VectorStore | None,
        embedding: EmbeddingThread | None,
        weights: SearchWeights | None = None,
    ) -> None:
        self.catalog = catalog
        self.store = store
        self.embedding = embedding
        self.weights = weights or SearchWeights()

    async def search(
        self,
        query: str,
        k: int = 10,
        paths: Sequence[str] | None = None,
        languages: Sequence[str] | None = None,
        retrievers: Sequence[Retriever] = ("dense", "keyword"),
    ) -> tuple[list[SearchResult], list[str]]:
        """Top `k` merged results and warnings about a retriever that could not run.

        `retrievers` narrows the search to one half (benchmarks score each half alone).
        """
        if not query.strip() or k <= 0:
            return [], []
        spec = path_filter(paths)
        fetch = k * OVERFETCH * (4 if spec else 1)
        warnings: list[str] = []
        dense_ids, keyword_rows = await asyncio.gather(
            self._dense(query, fetch, languages, warnings) if "dense" in retrievers else _nothing(),
            asyncio.to_thread(self.catalog.keyword_search, query, fetch, languages)
            if "keyword" in retrievers
            else _nothing(),
        )
        rows = {row.id: row for row in keyword_rows}
        missing = [cid for cid in dense_ids if cid not in rows]
        rows.update(await asyncio.to_thread(self.catalog.chunks_by_id, missing))

        def allowed(cid: str) -> bool:
            row = rows.get(cid)
            return row is not None and (spec is None or spec.match_file(row.path))

        rankings: dict[Retriever, list[str]] = {
            "dense": [cid for cid in dense_ids if allowed(cid)],
            "keyword": [row.id for row in keyword_rows if allowed(row.id)],
        }
        scores = fuse(rankings, self.weights)
        hits = [
            _Hit(
                rows[cid],
                score,
                [name for name, ids in rankings.items() if cid in ids],
                _lines(rows[cid]),
            )
            for cid, score in scores.items()
        ]
        results = [
            SearchResult(
                hit.row.path,
                hit.row.start_line,
                hit.row.end_line,
                hit.row.symbol,
                hit.row.language,
                round(hit.score, 6),
                _snippet(hit),
                hit.retrievers,
            )
            for hit in merge_overlapping(hits)[:k]
        ]
        return results, warnings

    async def _dense(
        self, query: str, fetch: int, languages: Sequence[str] | None, warnings: list[str]
    ) -> list[str]:
        if self.store is None or self.embedding is None:
            warnings.append("dense retrieval unavailable: no vector store or embedder")
            return []
        where = {"language": {"$in": list(languages)}} if languages else None
        try:
            vector = (await self.embedding.embed([query], urgent=True))[0]
            hits = await asyncio.to_thread(self.store.query, vector, fetch, where)
        except Exception as exc:
            log.warning("dense retrieval failed: %s", exc)
            warnings.append(f"dense retrieval failed: {exc}")
            return []
        return [hit.id for hit in hits]
