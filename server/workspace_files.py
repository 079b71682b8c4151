"""Reading a file a client named: inside the workspace roots, a regular file, capped, no secret.

A URI from an editor (or anything posing as one) is untrusted: `file:///dev/zero`, a FIFO,
a directory, `../../etc/passwd` or a symlink leaving the root must fail with a reason, at
once, and never hang or exhaust memory. The functions block on the file system, so callers
on the event loop run them in a worker thread.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

from server.indexing.discovery import is_binary
from server.secret_rules import HARD_LINK, is_hard_link, is_secret_path, secret_content_kind

OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


class PathRefused(ValueError):
    """A path Auro will not read or send; the message says why, for the user."""


def root_of(path: Path, roots: Sequence[Path]) -> Path | None:
    """The innermost root whose real path contains the real `path`, or None."""
    try:
        real = path.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return None
    inside = [root for root in roots if real.is_relative_to(root.resolve())]
    return max(inside, key=lambda root: len(root.resolve().parts), default=None)


def confine(path: Path, roots: Sequence[Path]) -> Path:
    """The root holding `path` (symlinks resolved), or PathRefused."""
    root = root_of(path, roots)
    if root is None:
        where = ", ".join(str(r) for r in roots) or "none are open"
        raise PathRefused(f"{path} is outside the workspace folders ({where})")
    return root


def read_capped(path: Path, max_bytes: int) -> str:
    """The text of a regular file of at most `max_bytes`; devices, FIFOs and dirs refused.

    The type is checked before opening and again on the open descriptor (the file may be
    swapped meanwhile); O_NONBLOCK keeps a FIFO from blocking the open."""
    try:
        info = os.stat(path)
        if stat.S_ISREG(info.st_mode):
            fd = os.open(path, OPEN_FLAGS)
            with os.fdopen(fd, "rb") as handle:
                info = os.fstat(handle.fileno())
                data = handle.read(max_bytes + 1) if stat.S_ISREG(info.st_mode) else b""
    except OSError as exc:
        raise PathRefused(f"cannot read {path}: {exc.strerror or exc}") from exc
    if stat.S_ISDIR(info.st_mode):
        raise PathRefused(f"{path} is a directory, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise PathRefused(f"{path} is not a regular file (a device, FIFO or socket)")
    if len(data) > max_bytes:
        raise PathRefused(f"{path} is larger than max_file_bytes ({max_bytes} bytes)")
    if is_binary(data):
        raise PathRefused(f"{path} is a binary file")
    return data.decode("utf-8", errors="replace")


def read_existing(path: Path, max_bytes: int) -> str:
    """A file whose path the server derived (a test file): "" when absent, else `read_capped`.

    A repository can make that path a link to `/dev/zero` or a huge file; it is refused."""
    if not path.is_symlink() and not path.exists():
        return ""
    return read_capped(path, max_bytes)


def refuse_secret(path: Path, root: Path | None, text: str) -> None:
    """PathRefused when `path` is a credential file or `text` holds a key or token."""
    if is_secret_path(path, root):
        raise PathRefused(
            f"{path.name} is a credential file (secret rules); Auro does not send it anywhere"
        )
    if is_hard_link(path):
        raise PathRefused(f"{path.name} is a {HARD_LINK}; Auro does not send it anywhere")
    kind = secret_content_kind(text)
    if kind is not None:
        raise PathRefused(
            f"{path.name} holds a credential ({kind}); Auro does not send it anywhere"
        )


def read_workspace_file(path: Path, roots: Sequence[Path], max_bytes: int) -> str:
    """A file on disk named by a client: confined, regular, capped and free of secrets."""
    root = confine(path, roots)
    text = read_capped(path, max_bytes)
    refuse_secret(path, root, text)
    return text


def check_buffer(path: Path, roots: Sequence[Path], text: str) -> None:
    """An editor buffer (any path the client opened): only the secret rules apply."""
    refuse_secret(path, root_of(path, roots), text)
