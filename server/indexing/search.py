"""Hybrid retrieval: dense (vector store) and keyword (FTS5 BM25) rankings fused by
reciprocal rank fusion, the fused candidates (plus the definitions of names the query
spells, server.indexing.definitions) reranked (server.indexing.rerank) and adjusted by
priors (server.indexing.search_priors: source over tests and old copies, definitions first,
file names, the query's shape), filtered by path glob and language; then shaped into
distinct places: the chunks of one definition and overlapping chunks merged
(server.indexing.result_merge), and no file filling the list while other files score
comparably, or each file once when grouped (server.indexing.diversity).

Either side may be missing (model still loading, vectors half built, store down); the fusion
simply uses what is there, and the response says how complete the index was.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pathspec

from server.config import Settings
from server.indexing.catalog import Catalog, ChunkRow
from server.indexing.definitions import find_definitions
from server.indexing.diversity import FILE_DECAY, best_per_file, diversify
from server.indexing.embedding_thread import EmbeddingThread
from server.indexing.identifiers import name_text, query_terms
from server.indexing.path_priors import old_version_dirs, path_factor
from server.indexing.query_shape import fusion_weights
from server.indexing.rerank import DEFAULT_MODEL, Candidate
from server.indexing.result_merge import Hit, chunk_lines, merge_hits, snippet
from server.indexing.search_priors import QueryPriors, adjust
from server.indexing.vector_store import VectorHit, VectorStore
from server.place_priors import DEFAULT_FACTORS, parse_factors

log = logging.getLogger(__name__)

Retriever = Literal["dense", "keyword"]
OVERFETCH = 4
# Definitions the retrievers missed, added to the candidates (shortest symbols first): a
# common name (`run`, `__init__`) defines hundreds, each costing the reranker time.
DEFINITIONS_ADDED = 10


@dataclass(frozen=True)
class SearchWeights:
    """RRF: score = sum over retrievers of weight / (rrf_k + rank); then, with `rerank`,
    the fused candidates are scored again by the reranker's model.

    Keyword search is the weaker half on natural-language questions, so it gets half the
    weight; measured on the stdlib task (docs/benchmarks.md) this beats plain 1:1 fusion.
    An identifier-like query raises the keyword weight (query_shape.fusion_weights).
    `path_factors`: the score factor of each path role (path_priors), reranked search only.
    """

    dense: float = 1.0
    keyword: float = 0.5
    rrf_k: int = 30
    rerank: bool = True
    file_decay: float = FILE_DECAY
    path_factors: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_FACTORS))

    @classmethod
    def from_settings(cls, settings: Settings) -> SearchWeights:
        return cls(
            dense=settings.search_dense_weight,
            keyword=settings.search_keyword_weight,
            rerank=settings.search_rerank,
            path_factors=parse_factors(settings.search_place_priors),
        )


@dataclass
class SearchResult:
    path: str  # relative to the workspace root
    start_line: int
    end_line: int
    symbol: str
    language: str
    score: float  # the ranking score: best part's, after the same-file discount
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


def fuse(rankings: dict[Retriever, list[str]], weights: SearchWeights) -> dict[str, float]:
    """Reciprocal rank fusion of id rankings (best first)."""
    scores: dict[str, float] = {}
    for retriever, ids in rankings.items():
        weight = weights.dense if retriever == "dense" else weights.keyword
        for rank, cid in enumerate(ids, start=1):
            scores[cid] = scores.get(cid, 0.0) + weight / (weights.rrf_k + rank)
    return scores


def places(
    hits: list[Hit], k: int, *, group: bool = False, decay: float = FILE_DECAY
) -> list[tuple[Hit, float]]:
    """The top `k` distinct places with their ranking scores: hits merged per definition,
    then diversified across files (or, grouped, each file once as its best place)."""
    merged = merge_hits(hits)
    if group:
        return [(h, h.score) for h in best_per_file(merged, _score, _path, k)]
    return diversify(merged, _score, _path, k, decay)


def _score(hit: Hit) -> float:
    return hit.score


def _path(hit: Hit) -> str:
    return hit.row.path


def path_filter(globs: Sequence[str] | None) -> pathspec.PathSpec[Any] | None:
    """gitignore-style globs: `*.py`, `server/**/test_*.py`, `server/indexing`."""
    if not globs:
        return None
    return pathspec.PathSpec.from_lines("gitignore", globs)


async def _nothing() -> list[ChunkRow]:
    return []


async def _no_vectors() -> tuple[list[VectorHit], dict[str, ChunkRow], None]:
    return [], {}, None


def _nearest(
    store: VectorStore,
    catalog: Catalog,
    vector: list[float],
    fetch: int,
    where: dict[str, Any] | None,
) -> tuple[list[VectorHit], dict[str, ChunkRow]]:
    """The store's nearest chunks and their rows in one worker-thread trip: one hand-over
    fewer per search than reading the rows after both retrievers have answered."""
    hits = store.query(vector, fetch, where)
    return hits, catalog.chunks_by_id([hit.id for hit in hits])


@dataclass
class Retrieved:
    """Both retrievers' answers for one query, filtered by path glob."""

    rows: dict[str, ChunkRow]
    rankings: dict[Retriever, list[str]]  # chunk ids, best first
    similarity: dict[str, float]  # dense cosine similarity by chunk id
    vector: list[float] | None  # the query's embedding, when dense retrieval ran


class HybridSearch:
    """Runs both retrievers, fuses and reranks them; store calls run on worker threads."""

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
        self._layout: tuple[int, frozenset[str]] | None = None  # files count, old dirs

    async def search(
        self,
        query: str,
        k: int = 10,
        paths: Sequence[str] | None = None,
        languages: Sequence[str] | None = None,
        retrievers: Sequence[Retriever] = ("dense", "keyword"),
        group: bool = False,
    ) -> tuple[list[SearchResult], list[str]]:
        """Top `k` places and warnings about a retriever that could not run.

        `retrievers` narrows the search to one half (benchmarks score each half alone);
        only the full hybrid search is reranked and diversified. `group`: one result per
        file, its best place, for the best `k` files.
        """
        if not query.strip() or k <= 0:
            return [], []
        warnings: list[str] = []
        priors = QueryPriors.of(query)
        found = await self.retrieve(query, k, paths, languages, retrievers, warnings)
        dense, keyword = fusion_weights(
            priors.shape.identifier, self.weights.dense, self.weights.keyword
        )
        scores = fuse(found.rankings, replace(self.weights, dense=dense, keyword=keyword))
        # The same-file discount and the priors are sized for the reranker's probabilities;
        # plain RRF sums of neighbouring ranks differ by a few percent, where a factor of 0.5
        # would drown every second result of a file (measured: the dense half lost 0.07 MRR
        # on a stdlib slice).
        decay = 1.0
        if self.weights.rerank and set(retrievers) == {"dense", "keyword"} and scores:
            ids = list(scores) + await self.definitions(found, priors, paths, languages)
            candidates = await asyncio.to_thread(self.candidates, found, ids)
            reranked = DEFAULT_MODEL.scores(query_terms(query), candidates)
            scores = {c.row.id: score for c, score in zip(candidates, reranked, strict=True)}
            keyword_rank = {cid: i for i, cid in enumerate(found.rankings["keyword"], start=1)}
            old_dirs = await self._old_version_dirs()
            scores = adjust(
                scores, found.rows, keyword_rank, priors, old_dirs, self.weights.path_factors
            )
            decay = self.weights.file_decay
        hits = [
            Hit(
                found.rows[cid],
                score,
                [name for name, ids in found.rankings.items() if cid in ids],
                chunk_lines(found.rows[cid]),
            )
            for cid, score in scores.items()
        ]
        return [
            SearchResult(
                hit.row.path,
                hit.row.start_line,
                hit.row.end_line,
                hit.row.symbol,
                hit.row.language,
                round(score, 6),
                snippet(hit),
                hit.retrievers,
            )
            for hit, score in places(hits, k, group=group, decay=decay)
        ], warnings

    async def definitions(
        self,
        found: Retrieved,
        priors: QueryPriors,
        paths: Sequence[str] | None,
        languages: Sequence[str] | None,
    ) -> list[str]:
        """Ids of chunks defining a name the query spells, not retrieved yet (added to
        `found.rows`, so that the reranker and the priors see them); at most
        DEFINITIONS_ADDED, those in places the priors favour (source before tests and old
        copies) first."""
        if not priors.shape.names:
            return []
        rows = await asyncio.to_thread(find_definitions, self.catalog, priors.shape.names)
        spec = path_filter(paths)
        new = [
            row
            for row in rows
            if row.id not in found.rows
            and (spec is None or spec.match_file(row.path))
            and (not languages or row.language in languages)
        ]
        old_dirs = await self._old_version_dirs()
        factors = self.weights.path_factors
        new.sort(key=lambda row: -path_factor(row.path, old_dirs, priors.asked, factors))
        new = new[:DEFINITIONS_ADDED]
        found.rows.update((row.id, row) for row in new)
        return [row.id for row in new]

    async def _old_version_dirs(self) -> frozenset[str]:
        """Old-version folders of the indexed tree (path_priors), read again when the
        number of files changes."""
        files = self.catalog.counts().files
        if self._layout is None or self._layout[0] != files:
            paths = await asyncio.to_thread(lambda: list(self.catalog.files()))
            self._layout = (files, old_version_dirs(paths))
        return self._layout[1]

    async def retrieve(
        self,
        query: str,
        k: int,
        paths: Sequence[str] | None,
        languages: Sequence[str] | None,
        retrievers: Sequence[Retriever],
        warnings: list[str],
    ) -> Retrieved:
        """Each retriever's top `k * OVERFETCH` (more with a path filter, which cuts after)."""
        spec = path_filter(paths)
        fetch = k * OVERFETCH * (4 if spec else 1)
        (dense_hits, dense_rows, vector), keyword_rows = await asyncio.gather(
            self._dense(query, fetch, languages, warnings)
            if "dense" in retrievers
            else _no_vectors(),
            asyncio.to_thread(self.catalog.keyword_search, query, fetch, languages)
            if "keyword" in retrievers
            else _nothing(),
        )
        rows = {**dense_rows, **{row.id: row for row in keyword_rows}}

        def allowed(cid: str) -> bool:
            row = rows.get(cid)
            return row is not None and (spec is None or spec.match_file(row.path))

        return Retrieved(
            rows,
            {
                "dense": [hit.id for hit in dense_hits if allowed(hit.id)],
                "keyword": [row.id for row in keyword_rows if allowed(row.id)],
            },
            {hit.id: 1.0 - hit.distance for hit in dense_hits},
            vector,
        )

    def candidates(self, found: Retrieved, ids: Sequence[str]) -> list[Candidate]:
        """The reranker's view of `ids`: ranks, similarities and name-view similarity
        (from vectors stored at indexing time; a name not embedded yet has none)."""
        names = {cid: name_text(found.rows[cid].symbol, found.rows[cid].path) for cid in ids}
        name_sims: dict[str, float] = {}
        if found.vector is not None:
            known = self.catalog.name_vectors(set(names.values()))
            query = np.asarray(found.vector, dtype=np.float32)
            for cid, name in names.items():
                if name in known:
                    name_sims[cid] = float(np.dot(np.asarray(known[name]), query))
        dense_rank = {cid: i for i, cid in enumerate(found.rankings["dense"], start=1)}
        keyword_rank = {cid: i for i, cid in enumerate(found.rankings["keyword"], start=1)}
        return [
            Candidate(
                found.rows[cid],
                dense_rank.get(cid),
                found.similarity.get(cid),
                keyword_rank.get(cid),
                name_sims.get(cid),
            )
            for cid in ids
        ]

    async def _dense(
        self, query: str, fetch: int, languages: Sequence[str] | None, warnings: list[str]
    ) -> tuple[list[VectorHit], dict[str, ChunkRow], list[float] | None]:
        """Nearest chunks, their rows and the query's vector (None when dense retrieval
        cannot run)."""
        if self.store is None or self.embedding is None:
            warnings.append("dense retrieval unavailable: no vector store or embedder")
            return [], {}, None
        where = {"language": {"$in": list(languages)}} if languages else None
        try:
            vector = (await self.embedding.embed([query], urgent=True))[0]
            hits, rows = await asyncio.to_thread(
                _nearest, self.store, self.catalog, vector, fetch, where
            )
        except Exception as exc:
            log.warning("dense retrieval failed: %s", exc)
            warnings.append(f"dense retrieval failed: {exc}")
            return [], {}, None
        return hits, rows, vector
