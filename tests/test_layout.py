"""The test tree's rules: tests mirror the server's packages, helpers live in plain modules
(never in a conftest or a test module), conftest files hold only fixtures and hooks, and no
test reaches into pygls' private attributes."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_lsp import LanguageClient

TESTS = Path(__file__).parent
SERVER = TESTS.parent / "server"

# Suites that cut across packages, and the helpers they share.
CROSS_CUTTING = {"deploy", "editors", "fakes", "reliability", "security", "support"}
TOP_LEVEL = {"bench"}  # tests of the repository's other top-level packages
DATA_DIR = "fixtures"  # files a test reads, not test code


def folders_with_tests() -> list[Path]:
    """Folders under tests/ holding test code, relative to tests/."""
    return sorted(
        folder.relative_to(TESTS)
        for folder in TESTS.rglob("*")
        if folder.is_dir()
        and folder.name not in ("__pycache__", DATA_DIR)
        and DATA_DIR not in folder.relative_to(TESTS).parts
    )


def python_files() -> Iterator[Path]:
    for path in sorted(TESTS.rglob("*.py")):
        if DATA_DIR not in path.relative_to(TESTS).parts:
            yield path


def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def imported_modules(path: Path) -> Iterator[str]:
    """Each module `path` imports from, absolute (relative imports resolved)."""
    package = path.relative_to(TESTS.parent).with_suffix("").parts[:-1]
    for node in ast.walk(parsed(path)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else ()
            module = ".".join((*base, *(node.module.split(".") if node.module else ())))
            yield module
            if node.module is None:  # `from . import conftest`
                yield from (f"{module}.{alias.name}" for alias in node.names)


def is_fixture(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if ast.unparse(target) in ("pytest.fixture", "fixture"):
            return True
    return False


def pygls_private_names() -> set[str]:
    """Private attributes of pytest-lsp's client and its pygls protocol."""
    client = LanguageClient()
    names = {name for name in vars(client) if name.startswith("_")}
    names |= {name for name in vars(client.protocol) if name.startswith("_")}
    for cls in (*type(client).__mro__, *type(client.protocol).__mro__):
        names |= {n for n in vars(cls) if n.startswith("_") and not n.startswith("__")}
    return names


def test_every_test_folder_mirrors_a_server_package_or_is_a_cross_cutting_suite() -> None:
    strays = [
        str(folder)
        for folder in folders_with_tests()
        if folder.parts[0] not in CROSS_CUTTING | TOP_LEVEL
        and not (SERVER / folder / "__init__.py").is_file()
    ]
    assert not strays, f"tests/<dir> must match a server/<package> or be cross-cutting: {strays}"


def test_every_test_folder_is_a_package() -> None:
    missing = [str(f) for f in folders_with_tests() if not (TESTS / f / "__init__.py").is_file()]
    assert not missing, f"folders without __init__.py (test module names would clash): {missing}"


def test_no_module_imports_from_a_conftest_or_a_test_module() -> None:
    offending = [
        f"{path.relative_to(TESTS)} imports {module}"
        for path in python_files()
        for module in imported_modules(path)
        if module.startswith("tests.")
        and (
            module.rsplit(".", 1)[-1] == "conftest" or module.rsplit(".", 1)[-1].startswith("test_")
        )
    ]
    assert not offending, "helpers belong in plain modules (e.g. tests/support/):\n" + "\n".join(
        offending
    )


@pytest.mark.parametrize(
    "conftest", sorted(TESTS.rglob("conftest.py")), ids=lambda p: str(p.relative_to(TESTS))
)
def test_conftest_files_hold_only_fixtures_and_hooks(conftest: Path) -> None:
    extra = []
    for node in parsed(conftest).body:
        if isinstance(node, ast.ClassDef):
            extra.append(f"class {node.name}")
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if not (is_fixture(node) or node.name.startswith(("pytest_", "_"))):
                extra.append(f"def {node.name}")
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            extra += [name for name in names if not name.startswith("_")]
    assert not extra, f"{conftest.relative_to(TESTS)}: move {extra} to a helper module"


def test_no_test_reaches_into_pygls_private_attributes() -> None:
    private = pygls_private_names()
    assert {"_server", "_converter", "_result_types"} <= private  # the check sees them
    reaches = [
        f"{path.relative_to(TESTS)}:{node.lineno} .{node.attr}"
        for path in python_files()
        for node in ast.walk(parsed(path))
        if isinstance(node, ast.Attribute)
        and node.attr in private
        and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
    ]
    assert not reaches, "use pygls' public API:\n" + "\n".join(reaches)
