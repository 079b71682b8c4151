"""Development benchmark: the project's search on seven repositories of MinishLab/semble's
hand-annotated code-search benchmark, scored with its method, next to its published figures.

Each repository (exported by `python -m bench.semble_export`) is indexed cold by
`auro-pai index` (cached, see bench/semble_index.py), then every annotated query runs through
`Services.search`, the search the CLI and servers use, and its top 10 are scored as returned
(bench/semble_scoring.py). Prints a table and one JSON line.

    python -m bench.semble_dev [--data /work/bench-data/semble] [--repos a,b]
                               [--cache /work/bench-data/semble-index] [--reindex]
                               [--retrievers dense,keyword]
                               [--specs FILE] [--annotations DIR] [--published FILE]

Only these seven repositories are for development; the benchmark's others are held out.
`--specs`, `--annotations` and `--published` (same shapes as bench/semble/) score another set
of the benchmark, such as the held-out check kept outside this repository.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bench.semble_diagnostics import Diagnostics, newest_versions
from bench.semble_export import DEFAULT_OUT, SPECS, RepoSpec, exported_revision, load_specs
from bench.semble_index import IndexRecord, data_dir, ensure_index
from bench.semble_scoring import CATEGORIES, Hit, K, findable_targets, load_tasks, ndcg
from server.config import Settings, load_settings
from server.indexing.embedder import create_embedder
from server.services import Services

HERE = Path(__file__).resolve().parent / "semble"
DEFAULT_CACHE = Path("/work/bench-data/semble-index")


@dataclass
class RepoScore:
    repo: str
    index: IndexRecord
    ndcg: list[float] = field(default_factory=list)
    by_category: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    search_ms: list[float] = field(default_factory=list)


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile, rounded for the report (search times in ms)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))], 1)


async def score_repo(
    spec: RepoSpec,
    out: Path,
    settings: Settings,
    index: IndexRecord,
    embedder,
    verbose: bool,
    retrievers: tuple[str, ...] = ("dense", "keyword"),
    annotations: Path = HERE / "annotations",
):
    tree, root = spec.tree(out), spec.index_root(out)
    tasks = load_tasks(annotations / f"{spec.name}.json")
    indexed = [str(p.relative_to(tree)) for p in root.rglob("*") if p.is_file()]
    newest = newest_versions(indexed)
    score = RepoScore(spec.name, index)
    services = await Services.open(settings, embedder=embedder)
    try:
        workspace = await services.add_workspace(root)
        await workspace.index.wait_until_complete()
        for task in tasks:
            started = time.perf_counter()
            outcome = await services.search(task.query, K, retrievers=retrievers)
            score.search_ms.append(1000 * (time.perf_counter() - started))
            hits = [
                Hit(spec.indexed_path(f.result.path), f.result.start_line, f.result.end_line)
                for f in outcome.found
            ]
            value = ndcg(hits, task.targets, findable_targets(task.targets, tree))
            score.ndcg.append(value)
            score.by_category[task.category].append(value)
            score.diagnostics.add(hits, newest)
            if verbose:
                top = ", ".join(f"{h.path}:{h.start_line}-{h.end_line}" for h in hits[:3])
                print(f"  {value:.3f} [{task.category}] {task.query!r} -> {top}", file=sys.stderr)
    finally:
        await services.close()
    return score


COLUMNS = (  # header, key, width.precision
    ("NDCG@10", "ndcg10", "8.3f"),
    ("arch", "architecture", "6.3f"),
    ("sem", "semantic", "6.3f"),
    ("sym", "symbol", "6.3f"),
    ("semble", "semble_ndcg10", "7.3f"),
    ("CRE-h", "coderankembed_hybrid_ndcg10", "6.3f"),
    ("chunks", "chunks", "7d"),
    ("index_s", "index_s", "8.1f"),
    ("files10", "distinct_files_top10", "8.2f"),
    ("frag", "fragment_share", "5.2f"),
    ("test", "test_share", "5.2f"),
    ("doc", "doc_share", "5.2f"),
    ("old", "old_version_share", "5.2f"),
)
PEERS = ("semble", "coderankembed_hybrid")


def table_line(name: str, row: dict) -> str:
    cells = []
    for _, key, fmt in COLUMNS:
        value = row.get(key)
        width = fmt.split(".")[0].rstrip("df")
        cells.append(format(value, fmt) if value is not None else " " * int(width))
    return f"{name:<10} " + " ".join(cells)


def repo_row(s: RepoScore, published: dict) -> dict:
    return {
        "ndcg10": round(mean(s.ndcg), 4),
        **{c: round(mean(s.by_category.get(c, [])), 4) for c in CATEGORIES},
        **{f"{p}_ndcg10": published[p].get(s.repo, {}).get("ndcg10") for p in PEERS},
        "chunks": s.index.chunks,
        "files": s.index.files,
        "index_s": s.index.index_s,
        "index_cached": s.index.cached,
        "index_complete": s.index.complete,
        "search_ms_mean": round(mean(s.search_ms), 1),
        "search_ms_p95": percentile(s.search_ms, 95),
        **s.diagnostics.summary(),
    }


def peer_mean(figures: dict, repos: list[str]) -> float | None:
    """The peer's mean over the same repositories; None unless it published every one."""
    if not all(r in figures for r in repos):
        return None
    return round(mean([figures[r]["ndcg10"] for r in repos]), 4)


def report(scores: list[RepoScore], published: dict) -> dict:
    """Print the table; return the figures for the JSON line."""
    rows = {s.repo: repo_row(s, published) for s in scores}
    total = Diagnostics()
    for s in scores:
        total.merge(s.diagnostics)
    by_cat = {c: [v for s in scores for v in s.by_category.get(c, [])] for c in CATEGORIES}
    summary = {
        "ndcg10": round(mean([r["ndcg10"] for r in rows.values()]), 4),  # mean over repos
        "ndcg10_queries": round(mean([v for s in scores for v in s.ndcg]), 4),
        **{c: round(mean(v), 4) for c, v in by_cat.items()},
        **{f"{p}_ndcg10": peer_mean(published[p], list(rows)) for p in PEERS},
        "queries": sum(len(s.ndcg) for s in scores),
        "chunks": sum(s.index.chunks for s in scores),
        "index_s": round(sum(s.index.index_s for s in scores), 1),
        "search_ms_p50": percentile([v for s in scores for v in s.search_ms], 50),
        "search_ms_p95": percentile([v for s in scores for v in s.search_ms], 95),
        **total.summary(),
    }
    header = f"{'repo':<10} " + " ".join(
        f"{label:>{fmt.split('.')[0].rstrip('df')}}" for label, _, fmt in COLUMNS
    )
    print(header)
    print("-" * len(header))
    for name, row in rows.items():
        print(table_line(name, row))
    print("-" * len(header))
    print(table_line("mean", summary))
    print(
        "NDCG@10: mean over repositories (as the peers' figures); categories: mean over "
        "queries. files10: distinct files in the top 10; frag: share of slots of <= 3 lines; "
        "test/doc/old: share of slots in test, documentation and old-version paths."
    )
    return {"summary": summary, "repos": rows}


def load_published(path: Path) -> dict:
    """The peers' per-repository figures; a repository they lack shows blank."""
    try:
        published = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read published figures from {path}: {exc}") from exc
    if not all(isinstance(published.get(p), dict) for p in PEERS):
        raise ValueError(f"{path} needs a per-repository table for each of {', '.join(PEERS)}")
    return published


async def run(args: argparse.Namespace) -> int:
    specs = load_specs([n for n in args.repos.split(",") if n], args.specs)
    unannotated = [s.name for s in specs if not (args.annotations / f"{s.name}.json").is_file()]
    if unannotated:
        print(
            f"error: no annotations in {args.annotations} for {', '.join(unannotated)}",
            file=sys.stderr,
        )
        return 1
    published = load_published(args.published)
    stale = [s.name for s in specs if exported_revision(s, args.data) != s.revision]
    if stale:
        print(
            f"error: {', '.join(stale)} not exported at the pinned revision in {args.data}; "
            "run `python -m bench.semble_export` first",
            file=sys.stderr,
        )
        return 1
    env = {**os.environ, "AURO_WATCH_FILES": "false"}
    settings, _ = load_settings(env=env, files=[])
    args.cache.mkdir(parents=True, exist_ok=True)
    data = data_dir(args.cache, settings)
    settings = settings.model_copy(update={"data_dir": data, "watch_files": False})
    records = {}
    for spec in specs:
        root = spec.index_root(args.data)
        records[spec.name] = ensure_index(
            spec.name, spec.revision, root, settings, args.cache, args.reindex
        )
        r = records[spec.name]
        state = "cached" if r.cached else f"indexed in {r.index_s:.1f}s"
        print(f"{spec.name}: {r.files} files, {r.chunks} chunks ({state})", file=sys.stderr)
    embedder = create_embedder(settings, cache_dir=data / "models")
    retrievers = tuple(r for r in args.retrievers.split(",") if r)
    scores = [
        await score_repo(
            spec,
            args.data,
            settings,
            records[spec.name],
            embedder,
            args.verbose,
            retrievers,
            args.annotations,
        )
        for spec in specs
    ]
    result = report(scores, published)
    print(
        json.dumps(
            {
                "bench": "semble_dev",
                "fingerprint": data.name,
                "backend": settings.embedding_backend,
                "retrievers": list(retrievers),
                **result,
            }
        )
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--specs", type=Path, default=SPECS, help="repos.json to read")
    parser.add_argument("--annotations", type=Path, default=HERE / "annotations")
    parser.add_argument("--published", type=Path, default=HERE / "published.json")
    parser.add_argument("--repos", default="", help="comma-separated subset")
    parser.add_argument("--reindex", action="store_true", help="ignore cached indexes")
    parser.add_argument("--verbose", action="store_true", help="each query's score and top 3")
    parser.add_argument(
        "--retrievers", default="dense,keyword", help="dense,keyword (default), dense or keyword"
    )
    args = parser.parse_args()
    try:
        return asyncio.run(run(args))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
