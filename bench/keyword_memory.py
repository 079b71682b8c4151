"""The in-memory keyword ranking against FTS5 on a real index: same rows in the same order
(up to exact float ties), build time, postings bytes, and the time of each per query.

Opens the catalog (a copy: opening may write nothing, but keep benchmarks off shared data),
waits for the postings, then runs every query of a task's queries.jsonl (and identifier
queries made from its symbols) through both rankings. Prints one JSON line.

    python -m bench.keyword_memory --index PATH/index.sqlite3 --queries queries.jsonl [-k 40]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from server.indexing.catalog import Catalog
from server.indexing.identifiers import fts_match


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[round(0.95 * (len(ordered) - 1))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("-k", type=int, default=40)
    args = parser.parse_args(argv)
    questions = [json.loads(line)["query"] for line in args.queries.read_text().splitlines()]
    opened = time.perf_counter()
    catalog = Catalog(args.index)
    try:
        if not catalog.keywords.wait_fresh(120):
            print("postings not built within 120 s", file=sys.stderr)
            return 1
        fresh_after = time.perf_counter() - opened
        symbols = [q["symbol"] for q in map(json.loads, args.queries.read_text().splitlines())]
        queries = questions + [s for s in symbols if s][:200]
        differing: list[str] = []
        memory_ms: list[float] = []
        fts_ms: list[float] = []
        for query in queries:
            started = time.perf_counter()
            got = catalog.keyword_search(query, args.k)
            memory_ms.append(1000 * (time.perf_counter() - started))
            match = fts_match(query)
            started = time.perf_counter()
            want = catalog._fts_search(match, args.k, None) if match else []
            fts_ms.append(1000 * (time.perf_counter() - started))
            if [row.id for row in got] != [row.id for row in want]:
                differing.append(query)
        postings = catalog.keywords.postings()
        report = {
            "queries": len(queries),
            "differing": len(differing),
            "differing_examples": differing[:5],
            "build_s": round(catalog.keywords.build_seconds or 0.0, 2),
            "fresh_after_open_s": round(fresh_after, 2),
            "postings_bytes": postings.nbytes if postings else None,
            "rows": len(postings.rowids) if postings else None,
            "memory_ms": {"p50": statistics.median(memory_ms), "p95": _p95(memory_ms)},
            "fts_ms": {"p50": statistics.median(fts_ms), "p95": _p95(fts_ms)},
        }
    finally:
        catalog.close()
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
