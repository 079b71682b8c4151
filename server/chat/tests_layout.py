"""Where generated tests go, following each language's usual layout."""

from __future__ import annotations

from pathlib import Path


def path_for_tests(source: Path, root: Path | None, language: str) -> Path:
    """Python: `tests/test_<name>.py` when the workspace has `tests/`, else beside the source;
    JS/TS: `<name>.test.<ext>`; Go: `<name>_test.go`; others: `test_<name><ext>` beside it."""
    stem, suffix = source.stem, source.suffix
    if language == "python":
        if root is not None and (root / "tests").is_dir():
            return root / "tests" / f"test_{stem}.py"
        return source.with_name(f"test_{stem}.py")
    if language in ("javascript", "typescript", "tsx"):
        return source.with_name(f"{stem}.test{suffix}")
    if language == "go":
        return source.with_name(f"{stem}_test.go")
    return source.with_name(f"test_{stem}{suffix}")
