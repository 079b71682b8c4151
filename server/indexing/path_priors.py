"""Where a file sits says what kind of code it holds: a prior for search.

A developer asking how something works wants the implementation, not its tests, examples,
benchmarks, docs, a vendored copy or the previous major version kept beside the current one
(issue 13 measured tests taking 28 % of the top 10 in some repositories, `v3/` copies 39 %).
The roles are read from path and layout conventions shared across languages, never from
per-repository rules; a result in such a place keeps its score times the role's factor. A
query that asks about that role ("how are the tests set up", "example of middleware") is
not penalised for asking: the factor then does not apply.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath

# The roles and their default factors belong to the setting that sizes them, below both
# settings and indexing (server/place_priors.py).
from server.place_priors import DEFAULT_FACTORS, ROLES, Role

_DIRS: dict[Role, frozenset[str]] = {
    "test": frozenset(
        "test tests __tests__ __test__ testing testdata test_data testutils spec specs e2e "
        "integration_tests unit_tests fixtures __fixtures__ __mocks__ mocks".split()
    ),
    "example": frozenset(
        "example examples demo demos sample samples playground playgrounds tutorial "
        "tutorials cookbook docs_src".split()
    ),
    "benchmark": frozenset("bench benches benchmark benchmarks perf".split()),
    "docs": frozenset("doc docs documentation site website".split()),
    "vendored": frozenset(
        "vendor vendored third_party thirdparty third-party node_modules external extern "
        "_vendor deps bower_components".split()
    ),
    "old_version": frozenset("legacy deprecated compat old _legacy _deprecated obsolete".split()),
    "generated": frozenset("generated __generated__ dist".split()),
    "locale": frozenset("locale locales i18n l10n translations".split()),
    "tooling": frozenset(),
    "private": frozenset(),
}
_FILES: dict[Role, re.Pattern[str]] = {
    "test": re.compile(
        r"^(test_.*\.py|.*_test\.(py|go|rs|rb|exs?|c|cc|cpp)|.*_spec\.rb|conftest\.py"
        r"|.*\.(test|spec|e2e-spec)\.[cm]?[jt]sx?|.*Tests?\.(java|kt|cs|swift|scala|php)"
        r"|test\.[cm]?[jt]s)$"
    ),
    "example": re.compile(r"^(example|examples|demo)[_.-].*"),
    "benchmark": re.compile(
        r"^(bench_.*|.*_bench\.\w+|.*\.bench\.[cm]?[jt]sx?|.*_benchmark\.\w+)$"
    ),
    "docs": re.compile(r".*\.(md|mdx|rst|adoc|txt)$", re.IGNORECASE),
    "generated": re.compile(r".*(\.min\.js|\.pb\.go|_pb2\.py|\.generated\.\w+)$"),
    "private": re.compile(r"^_[^_].*\.py$"),
}
_VERSION = re.compile(r"^v(\d+)$")
_PRIVATE_DIR = re.compile(r"^_[a-z]\w*$")

# Query words that ask for a role: such a query keeps that role's results at full score.
_ASKS: dict[Role, frozenset[str]] = {
    "test": frozenset(
        "test tests testing tested unittest pytest spec specs fixture fixtures mock mocks "
        "conftest e2e".split()
    ),
    "example": frozenset("example examples demo demos sample samples tutorial usage".split()),
    "benchmark": frozenset("bench benchmark benchmarks benchmarking perf".split()),
    "docs": frozenset("doc docs documentation readme guide changelog markdown".split()),
    "vendored": frozenset("vendor vendored vendoring dependency".split()),
    "old_version": frozenset("legacy deprecated compat compatibility old v1 v2 v3".split()),
    "generated": frozenset("generated codegen".split()),
    "locale": frozenset("locale locales i18n l10n translation translations localization".split()),
    "tooling": frozenset("ci workflow workflows github agent agents skill skills".split()),
    "private": frozenset("internal private".split()),
}


def old_version_dirs(paths: Iterable[str]) -> frozenset[str]:
    """Folders holding a previous version of the code beside the current one, from the
    layout of the indexed tree: a `vN/` folder with a newer sibling `vM/` (zod's `src/v3/`
    beside `src/v4/`), or a `vN/` folder whose files mirror its parent's (pydantic's
    `pydantic/v1/main.py` beside `pydantic/main.py`). A lone `api/v1/` is current code."""
    newest: dict[str, int] = {}
    children: dict[str, set[str]] = {}
    for path in paths:
        parts = PurePosixPath(path).parts
        for i in range(len(parts)):
            children.setdefault("/".join(parts[:i]), set()).add(parts[i])
        for i, part in enumerate(parts[:-1]):
            m = _VERSION.match(part)
            if m:
                parent = "/".join(parts[:i])
                newest[parent] = max(newest.get(parent, 0), int(m.group(1)))
    old: set[str] = set()
    for folder, names in children.items():
        for name in names:
            m = _VERSION.match(name)
            if m is None:
                continue
            full = f"{folder}/{name}" if folder else name
            mirrored = (children.get(full, set()) & names) - _NOT_MIRRORS
            if int(m.group(1)) < newest.get(folder, 0) or len(mirrored) >= MIRROR_MIN:
                old.add(full)
    return frozenset(old)


MIRROR_MIN = 3  # shared file names that make a `vN/` folder a copy of its parent
_NOT_MIRRORS = frozenset(
    "__init__.py index.ts index.js index.d.ts mod.rs lib.rs main.go README.md".split()
)


@functools.lru_cache(maxsize=1 << 16)  # called per candidate of every search
def path_role(path: str, old_dirs: frozenset[str] = frozenset()) -> Role | None:
    """The first role `path` plays (test before example before ...), None for source."""
    parts = PurePosixPath(path).parts
    if not parts:
        return None
    folders = [p.lower() for p in parts[:-1]]
    name = parts[-1]
    for role in ROLES:
        if any(f in _DIRS[role] for f in folders):
            return role
        if role == "private" and any(_PRIVATE_DIR.match(f) for f in folders):
            return role
        if role == "tooling" and any(f.startswith(".") and f not in (".", "..") for f in folders):
            return role
        pattern = _FILES.get(role)
        if pattern is not None and pattern.match(name):
            return role
        if role == "old_version" and any(
            "/".join(parts[: i + 1]) in old_dirs for i in range(len(parts) - 1)
        ):
            return role
    return None


def asked_roles(tokens: Iterable[str]) -> set[Role]:
    """Roles a query asks about, from its lower-cased words."""
    words = set(tokens)
    return {role for role in ROLES if words & _ASKS[role]}


def path_factor(
    path: str,
    old_dirs: frozenset[str],
    asked: set[Role],
    factors: Mapping[str, float] = DEFAULT_FACTORS,
) -> float:
    """The score factor of a result at `path`: 1 for source or for a role the query asks."""
    role = path_role(path, old_dirs)
    if role is None or role in asked:
        return 1.0
    return factors.get(role, 1.0)
