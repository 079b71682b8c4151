"""The reranker's training rows from the development benchmark (bench/semble_dev): every
annotated query's fused candidates, as HybridSearch builds them, labelled by the benchmark's
hit rule (path suffix and, for a target with lines, overlap). Only the seven development
repositories; their cached indexes (bench/semble_index) are reused, never rebuilt here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.semble_export import DEFAULT_OUT, load_specs
from bench.semble_index import data_dir, ensure_index
from bench.semble_scoring import Hit, Target, covers, load_tasks
from server.cli.headless import headless
from server.config import load_settings
from server.indexing import rerank
from server.indexing.identifiers import query_terms
from server.indexing.search import HybridSearch, SearchWeights, fuse
from server.indexing.search_priors import QueryPriors

HERE = Path(__file__).resolve().parent / "semble"
CACHE = Path("/work/bench-data/semble-index")
K = 10


@dataclass
class Labelled:
    repo: str
    query: str
    candidates: list[rerank.Candidate]
    features: np.ndarray
    labels: np.ndarray


def covered(root: str, c: rerank.Candidate, targets: tuple[Target, ...]) -> bool:
    hit = Hit(f"{root}/{c.row.path}", c.row.start_line, c.row.end_line)
    return any(covers(hit, t) for t in targets)


async def collect(data: Path = DEFAULT_OUT, cache: Path = CACHE) -> list[Labelled]:
    env = {**os.environ, "AURO_WATCH_FILES": "false"}
    settings, _ = load_settings(env=env, files=[])
    folder = data_dir(cache, settings)
    settings = settings.model_copy(update={"data_dir": folder, "watch_files": False})
    out: list[Labelled] = []
    for spec in load_specs([]):
        root = spec.index_root(data)
        record = ensure_index(spec.name, spec.revision, root, settings, cache, False)
        if not record.complete:
            raise RuntimeError(f"{spec.name}: index incomplete")
        tasks = load_tasks(HERE / "annotations" / f"{spec.name}.json")
        async with headless(settings, root) as opened:
            index = opened.workspace.index
            await index.wait_until_complete()
            search = HybridSearch(index.catalog, index.store, index.embedding, SearchWeights())
            for task in tasks:
                found = await search.retrieve(task.query, K, None, None, ("dense", "keyword"), [])
                fused = fuse(found.rankings, search.weights)
                extra = await search.definitions(found, QueryPriors.of(task.query), None, None)
                candidates = search.candidates(found, [*fused, *extra])
                rows = rerank.features(query_terms(task.query), candidates)
                labels = [covered(spec.benchmark_root, c, task.targets) for c in candidates]
                out.append(
                    Labelled(spec.name, task.query, candidates, np.array(rows), np.array(labels))
                )
    return out
