"""Workspace folders as the editor names them (URIs) turned into local paths."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pygls.uris import to_fs_path


def local_folder(uri: str, warn: Callable[[str], None]) -> Path | None:
    """A workspace folder's path; None, with a warning, for one not on local disk (a virtual
    workspace such as `vscode-vfs://`), which cannot be indexed."""
    path = to_fs_path(uri)
    if path is None:
        warn(f"Auro: skipping workspace folder {uri}: not a local folder")
        return None
    return Path(path)
