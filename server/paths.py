"""Where Auro-PAI keeps its state: a per-user data dir, one subfolder per workspace root.

Nothing is written into the user's repository.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from platformdirs import user_data_path

from server.config import Settings


def data_root(settings: Settings) -> Path:
    """The per-user data dir (`AURO_DATA_DIR` overrides the XDG default)."""
    root = settings.data_dir or user_data_path("auro-pai", appauthor=False)
    root.mkdir(parents=True, exist_ok=True)
    return root


def workspace_data_path(settings: Settings, root: Path) -> Path:
    """A stable folder for one workspace root: readable name plus a hash of its real path.
    Not created here, so a command can tell an indexed root from a new one."""
    real = root.resolve()
    digest = hashlib.sha256(str(real).encode()).hexdigest()[:12]
    name = re.sub(r"[^A-Za-z0-9._-]", "_", real.name or "root")
    return data_root(settings) / "workspaces" / f"{name}-{digest}"


def workspace_data_dir(settings: Settings, root: Path) -> Path:
    """`workspace_data_path`, created if missing."""
    folder = workspace_data_path(settings, root)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
