"""Where Auro-PAI keeps its state: a per-user data dir, one subfolder per workspace root.

Nothing is written into the user's repository. The data dir holds code, chat history and
tokens, so it is the user's alone: folders 0700, files 0600. Entry points set the umask
(`restrict_new_files`), which also covers files that libraries create (SQLite journals,
Chroma); `data_root` tightens what an older version left readable, once per process.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from pathlib import Path

from platformdirs import user_data_path

from server.config import Settings

log = logging.getLogger(__name__)

PRIVATE_UMASK = 0o077
DIR_MODE = 0o700
FILE_MODE = 0o600
# What Auro itself puts in the data dir; only these are tightened, in case the data dir is
# set to a folder that holds other things (a home directory) whose modes are not ours to change.
OWN_ENTRIES = ("workspaces", "models", "explanations", "refused", "sessions.sqlite3")

_tightened: set[Path] = set()


def restrict_new_files() -> None:
    """Files and folders this process creates are private, whoever creates them."""
    os.umask(PRIVATE_UMASK)


def private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) and make it 0700 whatever the umask."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    _chmod(path, DIR_MODE)
    return path


def write_private_text(path: Path, text: str) -> None:
    """Write a file that is 0600 from its first byte, also when it already existed."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), FILE_MODE)
        handle.write(text)


def _chmod(path: Path, mode: int) -> None:
    try:
        if path.stat().st_mode & 0o777 != mode:
            os.chmod(path, mode)
    except OSError as exc:  # not ours (another user's file) or gone meanwhile
        log.debug("cannot set mode %o on %s: %s", mode, path, exc)


def tighten(root: Path) -> None:
    """Make Auro's entries in the data dir private: folders 0700, files 0600 (no links)."""
    for entry in root.iterdir():
        if not entry.name.startswith(OWN_ENTRIES) or entry.is_symlink():
            continue
        if not entry.is_dir():
            _chmod(entry, FILE_MODE)
            continue
        _chmod(entry, DIR_MODE)
        for folder, dirs, files in os.walk(entry):
            base = Path(folder)
            for name in dirs:
                if not (base / name).is_symlink():
                    _chmod(base / name, DIR_MODE)
            for name in files:
                if not (base / name).is_symlink():
                    _chmod(base / name, FILE_MODE)


def data_root(settings: Settings) -> Path:
    """The per-user data dir (`AURO_DATA_DIR` overrides the XDG default), private."""
    root = private_dir(settings.data_dir or user_data_path("auro-pai", appauthor=False))
    if root not in _tightened:
        _tightened.add(root)
        tighten(root)
    return root


def workspace_data_path(settings: Settings, root: Path) -> Path:
    """A stable folder for one workspace root: readable name plus a hash of its real path.
    Not created here, so a command can tell an indexed root from a new one."""
    real = root.resolve()
    digest = hashlib.sha256(str(real).encode()).hexdigest()[:12]
    name = re.sub(r"[^A-Za-z0-9._-]", "_", real.name or "root")
    return data_root(settings) / "workspaces" / f"{name}-{digest}"


def workspace_data_dir(settings: Settings, root: Path) -> Path:
    """`workspace_data_path`, created (private, 0700) if missing."""
    folder = workspace_data_path(settings, root)
    private_dir(folder.parent)
    return private_dir(folder)
