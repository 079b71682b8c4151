"""Indexing cost and shape of the chunker's output over source trees (no index, no model).

    python -m bench.chunk_stats DIR [DIR ...] [--budget 256]

Prints one JSON line per tree: files, chunks, total embedded tokens (the model's wordpieces
of every chunk's embed_text, [CLS]/[SEP] excluded), named chunks, and "fragments": parts of
a split unit (a chunk sharing its symbol with a neighbour) holding 3 non-blank lines or
fewer, the tails that crowd search results out. Run it on two checkouts to compare chunkers.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

from server.indexing.chunk import Chunk
from server.indexing.chunking import TokenCounter, chunk_file, detect_language

MAX_BYTES = 1_000_000
FRAGMENT_LINES = 3


def _files(root: Path) -> list[Path]:
    out = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).parts
        if any(part.startswith(".") or part == "__pycache__" for part in rel):
            continue
        if path.is_file() and detect_language(path.name) not in (None, "text"):
            if path.stat().st_size <= MAX_BYTES:
                out.append(path)
    return out


def _fragments(chunks: list[Chunk]) -> int:
    count = 0
    for i, c in enumerate(chunks):
        near = chunks[max(0, i - 1) : i] + chunks[i + 1 : i + 2]
        if not c.symbol or not any(n.symbol == c.symbol for n in near):
            continue
        if sum(1 for line in c.text.split("\n") if line.strip()) <= FRAGMENT_LINES:
            count += 1
    return count


def stats(root: Path, budget: int, counter: TokenCounter) -> dict[str, object]:
    kinds: Counter[str] = Counter()
    chunks = tokens = named = fragments = files = 0
    started = time.perf_counter()
    for path in _files(root):
        text = path.read_text(encoding="utf-8", errors="replace")
        rel = path.relative_to(root).as_posix()
        result = chunk_file(rel, text, budget=budget, count_tokens=counter)
        files += 1
        chunks += len(result)
        tokens += sum(counter.count_many([c.embed_text for c in result]))
        named += sum(1 for c in result if c.symbol)
        fragments += _fragments(result)
        kinds.update(c.kind for c in result)
    return {
        "root": str(root),
        "files": files,
        "chunks": chunks,
        "embedded_tokens": tokens,
        "named": named,
        "fragments": fragments,
        "seconds": round(time.perf_counter() - started, 1),
        "kinds": dict(kinds.most_common()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("roots", nargs="+", type=Path)
    parser.add_argument("--budget", type=int, default=256)
    args = parser.parse_args(argv)
    counter = TokenCounter()
    for root in args.roots:
        print(json.dumps(stats(root, args.budget, counter)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
