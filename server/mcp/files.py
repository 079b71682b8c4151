"""Reading a workspace file an agent named, under the index's own rules.

The same rules as the REST files API and the language server: the path must lie inside an
open root on both the name asked for and the file it resolves to (so `..` and symlinks
cannot leave it), must not be a secret or an ignored file, must be a regular text file under
AURO_MAX_FILE_BYTES, and must not hold a credential. Blocking: run it in a worker thread.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from server.indexing.chunking.languages import detect_language
from server.indexing.multi_root import Workspace
from server.mcp.backend import FileText, Refused, path_of, refuse_hard_link
from server.workspace_files import PathRefused, read_capped, refuse_secret


def _candidates(workspaces: Sequence[Workspace], raw: str) -> list[tuple[Workspace, Path]]:
    """(workspace, path) to try: the innermost root an absolute path is in, else each root
    the relative path stays inside (`..` collapsed without touching the disk)."""
    given = Path(raw).expanduser()
    if given.is_absolute():
        path = Path(os.path.normpath(given))
        inside = [w for w in workspaces if path.is_relative_to(w.root)]
        best = max(inside, key=lambda w: len(w.root.parts), default=None)
        return [] if best is None else [(best, path)]
    pairs = [(w, Path(os.path.normpath(w.root / given))) for w in workspaces]
    return [(w, p) for w, p in pairs if p.is_relative_to(w.root)]


def _check_rules(workspace: Workspace, path: Path) -> None:
    """Refused when the index's rules forbid `path`, by its name or by what it resolves to."""
    real = path.resolve()
    if not real.is_relative_to(workspace.root):
        raise Refused(f"{path.name} resolves outside the workspace root; it is not readable")
    discovery = workspace.index.discovery
    for rel in dict.fromkeys((path.relative_to(workspace.root), real.relative_to(workspace.root))):
        reason = discovery.path_excluded(rel.as_posix())
        if reason is not None:
            raise Refused(f"{rel.as_posix()} is not readable here: {reason}")


def read_confined(workspaces: Sequence[Workspace], raw: str) -> FileText:
    """The file `raw` names, if the rules allow it; Refused says why not."""
    name = path_of(raw)
    candidates = _candidates(workspaces, name)
    if not candidates:
        roots = ", ".join(str(w.root) for w in workspaces) or "none are open"
        raise Refused(f"{raw} is not inside a workspace root ({roots})")
    try:
        for workspace, path in candidates:
            _check_rules(workspace, path)
            if not path.exists():
                continue
            refuse_hard_link(path, raw)
            text = read_capped(path, workspace.index.discovery.max_file_bytes)
            refuse_secret(path, workspace.root, text)
            rel = path.relative_to(workspace.root).as_posix()
            return FileText(str(workspace.root), rel, detect_language(rel), text)
    except PathRefused as exc:
        raise Refused(str(exc)) from None
    except (OSError, RuntimeError, ValueError) as exc:  # a name too long, a symlink loop, NUL
        raise Refused(f"cannot read {raw}: {exc}") from None
    raise Refused(f"no such file in the workspace: {raw}")
