"""Fit the search reranker (server/indexing/rerank.py) on a development retrieval task.

The development task is built, like the benchmark's, with ../shared/eval/make_corpus.py,
but from third-party libraries installed in this environment (not the stdlib, which the
benchmark reports on). Every query's fused candidates are collected by the same
HybridSearch code the server runs, labelled with ../shared/eval/scoring.py's hit rule, and a
logistic regression is fitted on them. Prints 5-fold cross-validated MRR@10 on the
development task (rank fusion alone, then reranked), optionally the held-out score on
another task, and writes the weights to server/indexing/rerank_model.json.

    python -m bench.fit_rerank [--task DIR] [--data-dir DIR] [--eval-task DIR]
                               [--eval-data-dir DIR] [--semble] [--dry-run]

`--semble` adds the development benchmark's annotated queries (bench/semble_candidates.py)
to the training rows: its questions and symbol names are shaped unlike docstrings.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import sysconfig
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from bench.retrieval import REPO, build_task, index_corpus, load_scoring
from bench.semble_candidates import Labelled, collect as collect_semble
from server.cli.headless import headless
from server.config import load_settings
from server.indexing import rerank
from server.indexing.catalog import ChunkRow
from server.indexing.identifiers import query_terms
from server.indexing.result_merge import Hit
from server.indexing.search import HybridSearch, SearchWeights, fuse, places
from server.indexing.search_priors import QueryPriors

DEV_LIBRARIES = (
    "click",
    "jinja2",
    "requests",
    "urllib3",
    "rich",
    "aiohttp",
    "httpx",
    "werkzeug",
    "tqdm",
    "attr",
)
C = 10.0  # inverse regularization; 0.1-10 were within 0.03 MRR on the dev task
K = 10


SCORING = load_scoring()


@dataclass
class Query:
    spec: dict
    candidates: list[rerank.Candidate]
    rrf: list[float]
    features: np.ndarray
    labels: np.ndarray


def dev_sources(dest: Path) -> Path:
    """A tree of the development libraries, copied from this interpreter's site-packages."""
    if dest.is_dir():
        return dest
    site = Path(sysconfig.get_paths()["purelib"])
    for name in DEV_LIBRARIES:
        shutil.copytree(site / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


async def collect(corpus: Path, specs: list[dict]) -> list[Query]:
    settings, _ = load_settings()
    async with headless(settings, corpus) as opened:
        index = opened.workspace.index
        await index.wait_until_complete()
        search = HybridSearch(index.catalog, index.store, index.embedding, SearchWeights())
        queries = []
        for spec in specs:
            found = await search.retrieve(spec["query"], K, None, None, ("dense", "keyword"), [])
            fused = fuse(found.rankings, search.weights)
            extra = await search.definitions(found, QueryPriors.of(spec["query"]), None, None)
            candidates = search.candidates(found, [*fused, *extra])
            rows = rerank.features(query_terms(spec["query"]), candidates)
            labels = [SCORING.is_hit(spec, span(c.row)) for c in candidates]
            rrf = [*fused.values(), *(0.0 for _ in extra)]
            queries.append(Query(spec, candidates, rrf, np.array(rows), np.array(labels)))
        return queries


def span(row: ChunkRow) -> dict:
    return {"path": row.path, "start": row.start_line, "end": row.end_line}


def mrr(queries: list[Query], scores: list[list[float]]) -> float:
    ranked = []
    for q, s in zip(queries, scores, strict=True):
        hits = [Hit(c.row, float(v), [], {}) for c, v in zip(q.candidates, s, strict=True)]
        ranked.append([span(h.row) for h, _ in places(hits, K)])
    return SCORING.score_run([q.spec for q in queries], ranked)["mrr@10"]


def fit(
    queries: list[Query] | list[Query | Labelled], semble_weight: float = 1.0
) -> LogisticRegression:
    """`semble_weight`: the weight of a development-benchmark row (its labels are whole
    files, so one query has many positives) against a task row."""
    kept = [q for q in queries if len(q.candidates)]
    x = np.vstack([q.features for q in kept])
    y = np.concatenate([q.labels for q in kept])
    weights = np.concatenate(
        [np.full(len(q.labels), semble_weight if isinstance(q, Labelled) else 1.0) for q in kept]
    )
    return LogisticRegression(C=C, max_iter=5000).fit(x, y, sample_weight=weights)


def fit_only(
    queries: Sequence[Query | Labelled], names: list[str], semble_weight: float, l2: float = 10.0
) -> dict[str, float]:
    """Weights for `names` alone, every other weight and the bias kept as shipped: logistic
    regression with the shipped model's logit as a fixed offset (Newton steps, L2 `l2`).
    Used to give the new chunk kinds weights without moving what the stdlib task relies on."""
    base = rerank.DEFAULT_MODEL
    kept = [q for q in queries if len(q.candidates)]
    x = np.vstack([q.features for q in kept])
    y = np.concatenate([q.labels for q in kept]).astype(float)
    sw = np.concatenate(
        [np.full(len(q.labels), semble_weight if isinstance(q, Labelled) else 1.0) for q in kept]
    )
    offset = base.bias + x @ np.array([base.weights[n] for n in rerank.FEATURES])
    z = x[:, [rerank.FEATURES.index(n) for n in names]]
    b = np.zeros(len(names))
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(offset + z @ b)))
        grad = z.T @ (sw * (p - y)) + l2 * b
        hess = (z * (sw * p * (1 - p))[:, None]).T @ z + l2 * np.eye(len(names))
        b -= np.clip(np.linalg.solve(hess, grad), -1.0, 1.0)
    return dict(zip(names, (round(float(v), 4) for v in b), strict=True))


def predict(model: LogisticRegression, queries: list[Query]) -> list[list[float]]:
    return [
        model.decision_function(q.features).tolist() if len(q.candidates) else [] for q in queries
    ]


def cross_validated(
    queries: list[Query],
    folds: int = 5,
    extra: Sequence[Labelled] = (),
    weight: float = 1.0,
    only: Sequence[str] = (),
) -> float:
    """MRR@10 of `queries`, each scored by a model fitted without its fold (`extra` rows
    are always in the training set); `only`: the weights of these features alone are fitted
    (fit_only), the rest kept as shipped."""
    order = np.random.default_rng(0).permutation(len(queries))
    scores: list[list[float]] = [[] for _ in queries]
    for part in np.array_split(order, folds):
        held = set(part.tolist())
        train: list[Query | Labelled] = [
            *(q for i, q in enumerate(queries) if i not in held),
            *extra,
        ]
        if only:
            fitted = fit_only(train, list(only), weight)
            for i in held:
                scores[i] = shipped_logits(queries[i], fitted)
            continue
        model = fit(train, weight)
        for i in held:
            scores[i] = predict(model, [queries[i]])[0]
    return mrr(queries, scores)


def shipped_logits(query: Query, changed: dict[str, float] | None = None) -> list[float]:
    """The shipped model's logits, with some weights `changed`."""
    base = rerank.DEFAULT_MODEL
    weights = {**base.weights, **(changed or {})}
    if not len(query.candidates):
        return []
    return (base.bias + query.features @ np.array([weights[n] for n in rerank.FEATURES])).tolist()


def load_task(task: Path, data_dir: Path) -> list[Query]:
    specs = [json.loads(line) for line in open(task / "queries.jsonl")]
    os.environ.update(AURO_DATA_DIR=str(data_dir), AURO_WATCH_FILES="false")
    status = index_corpus(task / "corpus", dict(os.environ))
    print(json.dumps({"task": str(task), "index": status}), flush=True)
    return asyncio.run(collect(task / "corpus", specs))


def shipped_note() -> str:
    path = Path(rerank.__file__).with_name(rerank.MODEL_FILE)
    return str(json.loads(path.read_text()).get("note", ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    results = REPO / "bench" / "results"
    parser.add_argument("--task", default=str(results / "dev" / "task"))
    parser.add_argument("--data-dir", default=str(results / "dev" / "data"))
    parser.add_argument("--eval-task", help="a held-out task to score the fitted model on")
    parser.add_argument("--eval-data-dir", default=str(results / "data"))
    parser.add_argument("--dry-run", action="store_true", help="do not write the model file")
    parser.add_argument(
        "--semble", action="store_true", help="also train on the development benchmark's queries"
    )
    parser.add_argument("--semble-weight", type=float, default=0.1, help="weight of a --semble row")
    parser.add_argument(
        "--only", default="", help="comma-separated features to fit, the rest kept as shipped"
    )
    args = parser.parse_args()

    task = Path(args.task)
    if not (task / "queries.jsonl").exists():
        build_task(dev_sources(results / "dev" / "src"), task, 500)
    dev = load_task(task, Path(args.data_dir))
    semble = asyncio.run(collect_semble()) if args.semble else []
    print(json.dumps({"dev_rrf_mrr@10": mrr(dev, [q.rrf for q in dev])}), flush=True)
    shipped_mrr = mrr(dev, [shipped_logits(q) for q in dev])
    print(json.dumps({"dev_shipped_mrr@10": round(shipped_mrr, 4)}), flush=True)
    print(json.dumps({"dev_cv_mrr@10": round(cross_validated(dev), 4)}), flush=True)
    if args.only:
        cv = round(cross_validated(dev, only=args.only.split(",")), 4)
        print(json.dumps({"dev_cv_mrr@10_only": cv}), flush=True)
    if semble:
        cv = round(cross_validated(dev, extra=semble, weight=args.semble_weight), 4)
        print(json.dumps({"semble_queries": len(semble), "dev_cv_mrr@10_with_semble": cv}))
    if args.only:
        only = fit_only([*dev, *semble], args.only.split(","), args.semble_weight)
        shipped = rerank.DEFAULT_MODEL
        fitted = {"weights": {**shipped.weights, **only}, "bias": shipped.bias}
        model = None
    else:
        model = fit([*dev, *semble], args.semble_weight)
        weights = dict(
            zip(rerank.FEATURES, (round(float(w), 4) for w in model.coef_[0]), strict=True)
        )
        fitted = {"weights": weights, "bias": round(float(model.intercept_[0]), 4)}
    print(json.dumps(fitted), flush=True)
    if args.eval_task and model is not None:
        held = load_task(Path(args.eval_task), Path(args.eval_data_dir))
        print(json.dumps({"eval_rrf_mrr@10": mrr(held, [q.rrf for q in held])}), flush=True)
        print(json.dumps({"eval_mrr@10": mrr(held, predict(model, held))}), flush=True)
    if not args.dry_run:
        path = Path(rerank.__file__).with_name(rerank.MODEL_FILE)
        note = f"written by python -m bench.fit_rerank on {task.name}: {len(dev)} queries"
        if args.only:
            note = f"{shipped_note()}; {args.only} fitted alone (--only) on {task.name}"
        if semble:
            note += (
                f", plus {len(semble)} development benchmark queries"
                f" (--semble, weight {args.semble_weight})"
            )
        path.write_text(json.dumps({"note": note, **fitted}, indent=2) + "\n")
        print(json.dumps({"written": str(path.relative_to(REPO))}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
