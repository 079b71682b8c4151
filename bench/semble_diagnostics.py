"""Why a returned list loses, measured on it (issue 13): how many distinct files the top 10
cover, how many slots are fragments of a few lines, and how many go to tests, docs or
old-version copies of the code. Path conventions only; no per-repository rules."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

from bench.semble_scoring import Hit, K

FRAGMENT_LINES = 3
TEST_DIRS = {"test", "tests", "__tests__", "testing", "spec", "specs", "e2e"}
TEST_FILE = re.compile(r"(^test_.*|.*_test\.\w+$|.*\.(test|spec)\.\w+$|^conftest\.py$)")
DOC_DIRS = {"doc", "docs", "documentation"}
DOC_SUFFIXES = {".md", ".mdx", ".rst", ".txt", ".adoc"}
OLD_DIRS = {"deprecated", "legacy", "old", "_legacy"}
VERSION_DIR = re.compile(r"^v(\d+)$")


def is_test(path: str) -> bool:
    parts = PurePosixPath(path).parts
    return any(p in TEST_DIRS for p in parts[:-1]) or bool(TEST_FILE.match(parts[-1]))


def is_doc(path: str) -> bool:
    p = PurePosixPath(path)
    return p.suffix.lower() in DOC_SUFFIXES or any(x in DOC_DIRS for x in p.parts[:-1])


def newest_versions(paths: Iterable[str]) -> dict[str, int]:
    """For each folder holding `vN` subfolders, the highest N (keyed by the folder's path)."""
    newest: dict[str, int] = {}
    for path in paths:
        parts = PurePosixPath(path).parts
        for i, part in enumerate(parts[:-1]):
            m = VERSION_DIR.match(part)
            if m:
                parent = "/".join(parts[:i])
                newest[parent] = max(newest.get(parent, 0), int(m.group(1)))
    return newest


def is_old_version(path: str, newest: dict[str, int]) -> bool:
    """Under `deprecated/`-like folders, or under `vN/` while a sibling `vM/` (M > N) exists."""
    parts = PurePosixPath(path).parts
    for i, part in enumerate(parts[:-1]):
        if part.lower() in OLD_DIRS:
            return True
        m = VERSION_DIR.match(part)
        if m and int(m.group(1)) < newest.get("/".join(parts[:i]), 0):
            return True
    return False


@dataclass
class Diagnostics:
    """Sums over queries; `summary` turns them into means and shares of slots."""

    queries: int = 0
    slots: int = 0
    distinct_files: int = 0
    fragments: int = 0
    tests: int = 0
    docs: int = 0
    old_versions: int = 0

    def add(self, hits: list[Hit], newest: dict[str, int]) -> None:
        top = hits[:K]
        self.queries += 1
        self.slots += len(top)
        self.distinct_files += len({h.path for h in top})
        self.fragments += sum(1 for h in top if h.end_line - h.start_line + 1 <= FRAGMENT_LINES)
        self.tests += sum(1 for h in top if is_test(h.path))
        self.docs += sum(1 for h in top if is_doc(h.path))
        self.old_versions += sum(1 for h in top if is_old_version(h.path, newest))

    def merge(self, other: Diagnostics) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def summary(self) -> dict[str, float]:
        slots = max(self.slots, 1)
        return {
            "distinct_files_top10": round(self.distinct_files / max(self.queries, 1), 2),
            "fragment_share": round(self.fragments / slots, 3),
            "test_share": round(self.tests / slots, 3),
            "doc_share": round(self.docs / slots, 3),
            "old_version_share": round(self.old_versions / slots, 3),
        }
