"""Path roles from layout conventions across languages, and the setting that sizes them."""

from __future__ import annotations

import pytest

from server.config import load_settings
from server.indexing.path_priors import (
    asked_roles,
    old_version_dirs,
    path_factor,
    path_role,
)
from server.indexing.search import SearchWeights
from server.place_priors import DEFAULT_FACTORS


@pytest.mark.parametrize(
    ("path", "role"),
    [
        ("pkg/core.py", None),
        ("tests/test_core.py", "test"),
        ("pkg/test_core.py", "test"),
        ("pkg/conftest.py", "test"),
        ("server/router_test.go", "test"),
        ("src/router.spec.ts", "test"),
        ("src/router.test.jsx", "test"),
        ("src/__tests__/router.ts", "test"),
        ("internal/testdata/input.go", "test"),
        ("src/main/java/FooTest.java", "test"),
        ("examples/basic/app.py", "example"),
        ("docs_src/tutorial001.py", "example"),
        ("benchmarks/parse.py", "benchmark"),
        ("src/parse.bench.ts", "benchmark"),
        ("docs/extract.md", "docs"),
        ("README.md", "docs"),
        ("vendor/github.com/x/y.go", "vendored"),
        ("web/node_modules/lodash/index.js", "vendored"),
        ("third_party/zlib/inflate.c", "vendored"),
        ("pydantic/deprecated/class_validators.py", "old_version"),
        ("lib/legacy/api.js", "old_version"),
        ("src/compat/shim.ts", "old_version"),
        ("api/foo_pb2.py", "generated"),
    ],
)
def test_path_role(path: str, role: str | None) -> None:
    assert path_role(path) == role


def test_version_folder_with_newer_sibling_is_old() -> None:
    paths = ["src/v3/types.ts", "src/v4/core/schemas.ts", "src/index.ts"]
    old = old_version_dirs(paths)
    assert old == frozenset({"src/v3"})
    assert path_role("src/v3/types.ts", old) == "old_version"
    assert path_role("src/v4/core/schemas.ts", old) is None


def test_version_folder_mirroring_its_parent_is_old() -> None:
    """pydantic keeps the previous major version as `pydantic/v1/` beside the current files."""
    names = ["main.py", "fields.py", "config.py", "types.py", "__init__.py"]
    paths = [f"pydantic/{n}" for n in names] + [f"pydantic/v1/{n}" for n in names]
    assert old_version_dirs(paths) == frozenset({"pydantic/v1"})


def test_lone_api_version_folder_is_current_code() -> None:
    paths = ["app/api/__init__.py", "app/api/v1/users.py", "app/api/v1/items.py", "app/main.py"]
    assert old_version_dirs(paths) == frozenset()


def test_a_query_about_tests_keeps_tests_at_full_score() -> None:
    old: frozenset[str] = frozenset()
    assert path_factor("tests/test_app.py", old, set()) == DEFAULT_FACTORS["test"]
    asked = asked_roles(["how", "are", "the", "tests", "set", "up"])
    assert asked == {"test"}
    assert path_factor("tests/test_app.py", old, asked) == 1.0
    assert path_factor("pkg/app.py", old, set()) == 1.0


def test_asked_roles_for_docs_and_examples() -> None:
    assert asked_roles(["example", "of", "middleware"]) == {"example"}
    assert asked_roles(["where", "is", "the", "documentation"]) == {"docs"}
    assert asked_roles(["how", "does", "routing", "work"]) == set()


def test_setting_is_validated_at_load_time() -> None:
    settings, _ = load_settings(env={"AURO_SEARCH_PLACE_PRIORS": "test=0.3"}, files=[])
    assert SearchWeights.from_settings(settings).path_factors["test"] == 0.3
    settings, warnings = load_settings(env={"AURO_SEARCH_PLACE_PRIORS": "tests=0.3"}, files=[])
    assert settings.search_place_priors == "default"  # the bad value is refused, with a warning
    assert any("path prior" in str(w) for w in warnings)


def test_locales_and_private_modules() -> None:
    assert path_role("src/v4/locales/fr.ts") == "locale"
    assert path_role("pkg/_internal/_model.py") == "private"
    assert path_role("pkg/_utils.py") == "private"
    assert path_role("pkg/__init__.py") is None
    assert asked_roles(["french", "translations"]) == {"locale"}


def test_hidden_folders_are_tooling() -> None:
    assert path_role(".github/workflows/ci.py") == "tooling"
    assert path_role("pkg/.agents/skills/run.py") == "tooling"
