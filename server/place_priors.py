"""The place-priors setting (`AURO_SEARCH_PLACE_PRIORS`): the roles a path can play, the
score factor each role gets by default, and the parser of the setting's value.

It sits below both settings and indexing: the settings model validates a value with it at
load time, and search (`indexing/path_priors.py`, which tells the roles from paths) reads
the factors with it, so settings never import the indexing layer.
"""

from __future__ import annotations

from typing import Literal, get_args

Role = Literal[
    "test",
    "example",
    "benchmark",
    "docs",
    "vendored",
    "old_version",
    "generated",
    "locale",
    "tooling",
    "private",
]
ROLES: tuple[Role, ...] = get_args(Role)  # in priority order: test before example ...

# Score factors of each role (the reranker's scores are probabilities; only ratios matter,
# as in diversity.py). Measured on the development benchmark, docs/benchmarks.md.
DEFAULT_FACTORS: dict[str, float] = {
    "test": 0.5,
    "example": 0.6,
    "benchmark": 0.6,
    "docs": 0.4,
    "vendored": 0.5,
    # pydantic's `v1/` at 0.5 still took 2nd and 3rd places; at 0.3 zod's `v3/ZodError.ts`
    # still came before `v4/core/errors.ts` (its reranked score was 30x): a previous version
    # is wanted only when nothing current matches, or when the query asks for it
    "old_version": 0.1,
    "generated": 0.6,
    "locale": 0.6,  # translations of messages: `locales/`, `i18n/`
    "tooling": 0.5,  # hidden folders: `.github/`, `.agents/`, `.devcontainer/`
    "private": 0.7,  # Python's private modules (`_internal/`, `_utils.py`): the public API first
}


def parse_factors(spec: str) -> dict[str, float]:
    """`AURO_SEARCH_PLACE_PRIORS`: "default", "off", or `role=factor` pairs over the defaults
    ("test=0.3,docs=1"). Raises ValueError naming the bad part."""
    text = spec.strip().lower()
    if text in ("", "default", "on", "true"):
        return dict(DEFAULT_FACTORS)
    if text in ("off", "none", "false"):
        return {role: 1.0 for role in ROLES}
    factors: dict[str, float] = dict(DEFAULT_FACTORS)
    for part in filter(None, (p.strip() for p in text.split(","))):
        role, sep, value = part.partition("=")
        role = role.strip()
        if not sep or role not in ROLES:
            raise ValueError(f"path prior {part!r}: expected role=factor with role in {ROLES}")
        try:
            factor = float(value)
        except ValueError:
            raise ValueError(f"path prior {part!r}: factor is not a number") from None
        if not 0.0 < factor <= 1.0:
            raise ValueError(f"path prior {part!r}: factor must be in (0, 1]")
        factors[role] = factor
    return factors
