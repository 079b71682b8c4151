"""Context quality of inline completion: does what the model is given contain the
definitions the missing code uses? `python -m bench.completion_recall`.

Held-out code: a pure-Python library installed in the venv that the index was never tuned
on (httpx by default; not the stdlib, not one of the semble development repositories). It
is copied to a temporary workspace and indexed with the real CLI (`auro-pai index`: Chroma,
the embedding model, the keyword index). Then, for functions picked with a fixed seed:

- **line**: one line of the body that uses a definition of the library is blanked, the
  cursor at its indentation;
- **body**: the whole body after the signature (and docstring) is blanked.

The editor's view is the file with the blank (`prefix`, `suffix`); what the model is given
is the service's own context: the 80/30-line window (`window`) plus the chunks of
`gather_context` (the same code and budget the LSP server uses; the edited file is left out
of the chunks, so the original body cannot leak back). A used definition (a function,
method or class of the library, named in the blanked code, resolved by name with `ast`)
counts as given when its `def`/`class` line is in the window or in a chunk from its file.

recall@budget = given / used, over all cases, without index context (window only) and with
it, per budget and retriever set (keyword = automatic trigger, hybrid = invoked). Token
counts are the service's estimate (no llama.cpp tokenizer in the bench). Prints JSON lines,
then a side-by-side table.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import importlib.metadata
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from server.cli.headless import headless
from server.completion.context import gather_context, window
from server.config import load_settings
from server.indexing.multi_root import MultiSearch
from server.indexing.search import Retriever

MODES: dict[str, tuple[Retriever, ...]] = {"keyword": ("keyword",), "hybrid": ("dense", "keyword")}
BUDGETS = (256, 512, 1024)


@dataclass(frozen=True)
class Definition:
    name: str
    path: str  # relative to the workspace root
    line: int  # 1-based line of the `def`/`class` header
    header: str  # that line, stripped


@dataclass(frozen=True)
class Case:
    kind: str  # "line" or "body"
    path: str
    function: str
    prefix: str
    suffix: str
    uses: tuple[tuple[Definition, ...], ...]  # per used name, its definitions: any will do


def definitions(root: Path) -> dict[str, list[Definition]]:
    """Every function, method and class of the library, by name."""
    found: dict[str, list[Definition]] = {}
    for file in sorted(root.rglob("*.py")):
        rel = file.relative_to(root).as_posix()
        lines = file.read_text().split("\n")
        for node in ast.walk(ast.parse(file.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                if node.name.startswith("__") or len(node.name) < 4:
                    continue  # dunders and short names resolve to too much
                header = lines[node.lineno - 1].strip()
                found.setdefault(node.name, []).append(
                    Definition(node.name, rel, node.lineno, header)
                )
    return found


def local_names(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    names = {a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)}
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def used_in(
    function: ast.FunctionDef | ast.AsyncFunctionDef,
    first: int,
    last: int,
    defs: dict[str, list[Definition]],
) -> list[str]:
    """Library definitions named between lines `first` and `last` (1-based, inclusive):
    loaded names that are not locals, and attributes (`self.method`, `module.func`)."""
    local = local_names(function)
    used: list[str] = []
    for node in ast.walk(function):
        line = getattr(node, "lineno", 0)
        if not first <= line <= last:
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            name = node.id if node.id not in local else ""
        elif isinstance(node, ast.Attribute):
            name = node.attr
        else:
            continue
        if name in defs and name != function.name and name not in used:
            used.append(name)
    return used


def body_start(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """The first body line after a docstring (1-based)."""
    body = function.body
    docstring = isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
    statements = body[1:] if docstring and len(body) > 1 else body
    return statements[0].lineno


def make_cases(root: Path, count: int, seed: int) -> list[Case]:
    defs = definitions(root)
    rng = random.Random(seed)
    pool: list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef, list[str]]] = []
    for file in sorted(root.rglob("*.py")):
        text = file.read_text()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno:
                if node.end_lineno - node.lineno >= 3:
                    pool.append((file.relative_to(root).as_posix(), node, text.split("\n")))
    rng.shuffle(pool)
    cases: list[Case] = []
    for rel, function, lines in pool:
        if len(cases) >= count:
            break
        start, end = body_start(function), function.end_lineno or function.lineno
        body_uses = used_in(function, start, end, defs)
        if not body_uses:
            continue
        candidates = [n for n in range(start, end + 1) if used_in(function, n, n, defs)]
        candidates = [n for n in candidates if lines[n - 1].strip()]
        if not candidates:
            continue
        line = rng.choice(candidates)
        for kind, first, last in (("line", line, line), ("body", start, end)):
            indent = lines[first - 1][: len(lines[first - 1]) - len(lines[first - 1].lstrip())]
            prefix = "\n".join(lines[: first - 1]) + "\n" + indent
            suffix = "\n" + "\n".join(lines[last:])
            names = used_in(function, first, last, defs)
            cases.append(
                Case(
                    kind,
                    rel,
                    function.name,
                    prefix,
                    suffix,
                    tuple(tuple(defs[n]) for n in names),
                )
            )
    return cases


def other_file(case: Case, options: tuple[Definition, ...]) -> bool:
    """Defined only in other files: what index context is for (the edited file is left out)."""
    return all(d.path != case.path for d in options)


def given(case: Case, seen: str, chunks: Sequence[tuple[str, str]]) -> list[bool]:
    """Per used name: is one of its definitions in the window or in a chunk of its file."""
    found = []
    for options in case.uses:
        hit = False
        for d in options:
            if d.path == case.path and d.header in seen:
                hit = True
            if any(path == d.path and d.header in text for path, text in chunks):
                hit = True
        found.append(hit)
    return found


def index_library(root: Path, data_dir: Path) -> dict:
    env = {**os.environ, "AURO_DATA_DIR": str(data_dir), "AURO_WATCH_FILES": "false"}
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "server.cli", "index", str(root), "--json"],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    status = json.loads(out.stdout.strip().splitlines()[-1])
    status["wall_s"] = round(time.perf_counter() - started, 1)
    return status


async def measure(root: Path, cases: list[Case]) -> dict[str, dict[str, float]]:
    """recall per column: `window` (no index context), `<mode>@<budget>` (with it)."""
    settings, _ = load_settings()
    async with headless(settings, root) as opened:
        await opened.workspace.index.wait_until_complete()

        async def search(query: str, k: int, retrievers: Sequence[Retriever]) -> MultiSearch:
            return await opened.services.search(query, k, retrievers=retrievers)

        hits: dict[str, dict[str, list[bool]]] = {}

        def record(case: Case, column: str, found: list[bool]) -> None:
            hits.setdefault(case.kind, {}).setdefault(column, []).extend(found)
            cross = [f for f, o in zip(found, case.uses, strict=True) if other_file(case, o)]
            hits.setdefault(f"{case.kind}, other files", {}).setdefault(column, []).extend(cross)

        for case in cases:
            prefix, suffix = window(case.prefix, case.suffix)
            seen = prefix + suffix
            record(case, "window", given(case, seen, []))
            current = str(opened.workspace.root / case.path)
            for mode, retrievers in MODES.items():
                for budget in BUDGETS:
                    context = await gather_context(
                        search, prefix, suffix, current, budget, retrievers
                    )
                    chunks = [(c.filename, c.text) for c in context.chunks]
                    record(case, f"{mode}@{budget}", given(case, seen, chunks))
        return {
            kind: {column: round(sum(v) / max(1, len(v)), 3) for column, v in row.items()}
            | {"uses": len(row["window"])}
            for kind, row in sorted(hits.items())
        }


def library_source(name: str) -> tuple[Path, str]:
    module = __import__(name)
    if module.__file__ is None:
        raise SystemExit(f"{name} is not a package with source files")
    distribution = importlib.metadata.packages_distributions().get(name, [name])[0]
    return Path(
        module.__file__
    ).parent, f"{distribution} {importlib.metadata.version(distribution)}"


def table(results: dict[str, dict[str, float]]) -> str:
    columns = ["window"] + [f"{m}@{b}" for m in MODES for b in BUDGETS]
    lines = ["| blanked | uses | " + " | ".join(columns) + " |"]
    lines.append("| --- " * (len(columns) + 2) + "|")
    for kind, row in results.items():
        cells = [f"{row[c]:.2f}" for c in columns]
        lines.append(f"| {kind} | {int(row['uses'])} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.completion_recall")
    parser.add_argument("--library", default="httpx", help="an installed pure-Python package")
    parser.add_argument("--functions", type=int, default=60, help="held-out functions")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", default="", help="keep the copy and its index here (reruns)")
    args = parser.parse_args(argv)

    source, version = library_source(args.library)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.work) if args.work else Path(tmp)
        root = work / args.library
        if not root.exists():
            shutil.copytree(source, root, ignore=shutil.ignore_patterns("__pycache__"))
        data = work / "data"
        os.environ.update(AURO_DATA_DIR=str(data), AURO_WATCH_FILES="false")
        cases = make_cases(root, args.functions, args.seed)
        status = index_library(root, data)
        print(json.dumps({"library": args.library, "version": version, "index": status}))
        results = asyncio.run(measure(root, cases))
        for kind, row in results.items():
            print(json.dumps({"blanked": kind, "cases": len(cases) // 2, **row}), flush=True)
        print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
