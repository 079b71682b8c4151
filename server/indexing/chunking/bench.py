"""Manual timing check (not a test): chunks/s over the first N stdlib modules.

    .venv/bin/python -m server.indexing.chunking.bench [N] [--check]

--check also verifies every chunk: within the budget (recounted), line numbers matching
the text, and every non-blank line covered.
"""

from __future__ import annotations

import sys
import sysconfig
import time
from pathlib import Path

from server.indexing.chunking import TokenCounter, chunk_file


def main(argv: list[str]) -> int:
    count = int(next((a for a in argv if a.isdigit()), "300"))
    check = "--check" in argv
    budget = 256
    root = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(root.rglob("*.py"))[:count]
    texts = [(f.name, f.read_text(encoding="utf-8", errors="replace")) for f in files]
    counter = TokenCounter()
    counter("warm up")
    start = time.perf_counter()
    results = [chunk_file(name, text, budget=budget, count_tokens=counter) for name, text in texts]
    elapsed = time.perf_counter() - start
    chunks = sum(len(r) for r in results)
    lines = sum(t.count("\n") + 1 for _, t in texts)
    print(
        f"{len(texts)} files, {lines} lines -> {chunks} chunks in {elapsed:.2f}s: "
        f"{chunks / elapsed:.0f} chunks/s, {lines / elapsed:.0f} lines/s"
    )
    kinds: dict[str, int] = {}
    for r in results:
        for c in r:
            kinds[c.kind] = kinds.get(c.kind, 0) + 1
    print("kinds:", dict(sorted(kinds.items(), key=lambda kv: -kv[1])))
    if check:
        problems = 0
        for (name, text), result in zip(texts, results, strict=True):
            file_lines = text.split("\n")
            covered: set[int] = set()
            for c in result:
                n = counter(c.embed_text) + 2
                if n > budget:
                    problems += 1
                    print(f"over budget {name}:{c.start_line} {c.kind} {n}")
                whole = "\n".join(file_lines[c.start_line - 1 : c.end_line])
                if c.text != whole and not (c.start_line == c.end_line and c.text in whole):
                    problems += 1
                    print(f"text mismatch {name}:{c.start_line}-{c.end_line}")
                covered.update(range(c.start_line, c.end_line + 1))
            missing = [
                i + 1 for i, ln in enumerate(file_lines) if ln.strip() and i + 1 not in covered
            ]
            if missing:
                problems += 1
                print(f"uncovered {name}: {missing[:10]}")
        print("problems:", problems)
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
