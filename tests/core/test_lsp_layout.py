"""The LSP layer's shape (issue #17): features and support modules name the server class only
for type checking, and every feature module registers itself through `setup(server)`."""

from __future__ import annotations

import ast
from pathlib import Path

from server.lsp.features import FEATURES

LSP = Path(__file__).resolve().parents[2] / "server" / "lsp"


def runtime_imports(path: Path) -> set[str]:
    """Modules imported outside `if TYPE_CHECKING:` blocks (at any depth)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.ImportFrom) and child.module:
                found.add(child.module)
            elif isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names)
            visit(child)

    visit(ast.parse(path.read_text()))
    return found


def test_no_module_but_the_server_imports_it_at_runtime():
    modules = [p for p in LSP.rglob("*.py") if p.name != "server.py"]
    assert len(modules) > 10
    offenders = [
        str(p.relative_to(LSP)) for p in modules if "server.lsp.server" in runtime_imports(p)
    ]
    assert offenders == []


def test_every_feature_module_is_set_up():
    on_disk = {p.stem for p in (LSP / "features").glob("*.py") if p.stem != "__init__"}
    assert {module.__name__.rsplit(".", 1)[1] for module in FEATURES} == on_disk
    assert all(callable(getattr(module, "setup", None)) for module in FEATURES)
