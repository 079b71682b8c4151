"""Which files of a workspace root may enter the index, and why the others may not.

Rules, in order: secrets (`server.secret_rules`, on a link's name and its target; never,
whatever the ignore files say), default excludes, `.gitignore` / `.auroignore` files at any
depth (each applies to its own subtree, deeper files override shallower ones, `!negation`
works), the extra globs from settings, symlinks leaving the root (and symlinks within it:
their targets are indexed under their own paths, once), the size cap, binary content
and secret content (keys and tokens, checked on read). The same rules serve the
full walk and single-path checks from the watcher and LSP events.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pathspec

from server.config import Settings
from server.indexing.progress import SkipReason
from server.secret_rules import (
    HARD_LINK,
    is_hard_link,
    is_secret_name,
    is_secret_path,
    secret_content_kind,
)

log = logging.getLogger(__name__)

IGNORE_FILES = (".gitignore", ".auroignore")
BINARY_SNIFF_BYTES = 8192

DEFAULT_EXCLUDES = (
    ".git/",
    ".hg/",
    ".svn/",
    "node_modules/",
    ".venv/",
    "venv/",
    "__pycache__/",
    "build/",
    "dist/",
    "target/",
    ".tox/",
    ".nox/",
    ".mypy_cache/",
    ".pytest_cache/",
    ".ruff_cache/",
    ".idea/",
    ".vscode/",
    ".gradle/",
    ".next/",
    ".cache/",
    "*.egg-info/",
    "*.pyc",
    "*.min.js",
    "*.min.css",
    "*.map",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lockb",
    "poetry.lock",
    "Pipfile.lock",
    "pdm.lock",
    "uv.lock",
    "Cargo.lock",
    "Gemfile.lock",
    "composer.lock",
    "go.sum",
    "packages.lock.json",
    "flake.lock",
    ".DS_Store",
)

_DEFAULTS = pathspec.GitIgnoreSpec.from_lines(DEFAULT_EXCLUDES)

# Told of each file or folder (path ending in `/`) the walk leaves out, and why.
OnSkip = Callable[[str, SkipReason, str], None]


def _no_skip(rel: str, reason: SkipReason, detail: str) -> None:
    pass


@dataclass(frozen=True)
class FoundFile:
    """A file that passed the path rules and the size cap (content is checked on read)."""

    path: str  # relative to the root, POSIX separators
    size: int
    mtime_ns: int


def is_binary(head: bytes) -> bool:
    """Git's own heuristic: a NUL byte in the first 8 KB."""
    return b"\0" in head[:BINARY_SNIFF_BYTES]


def _read_patterns(directory: Path) -> list[str]:
    lines: list[str] = []
    for name in IGNORE_FILES:
        try:
            lines += (directory / name).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
    return lines


# A symlink to a place inside the root: that place is walked under its own path, so the
# alias would index the same files twice (and search would show the copy under the link).
ALIAS = "symlink to {} (indexed under its own path)"


class Discovery:
    """The ignore rules of one workspace root; nested ignore files are read lazily and cached."""

    def __init__(self, root: Path, settings: Settings) -> None:
        self.root = root.resolve()
        self._specs: dict[str, pathspec.GitIgnoreSpec | None] = {}
        self.configure(settings)

    def configure(self, settings: Settings) -> None:
        """Take new settings; rules read from ignore files stay cached."""
        self.max_file_bytes = settings.max_file_bytes
        self._extra = pathspec.GitIgnoreSpec.from_lines(settings.ignore_globs)

    def forget_rules(self) -> None:
        """Drop cached ignore files (one of them changed)."""
        self._specs.clear()

    def _spec(self, rel_dir: str) -> pathspec.GitIgnoreSpec | None:
        if rel_dir not in self._specs:
            directory = self.root / rel_dir if rel_dir else self.root
            lines = _read_patterns(directory)
            if not rel_dir:
                exclude = self.root / ".git" / "info" / "exclude"
                if exclude.is_file():
                    lines = exclude.read_text(errors="replace").splitlines() + lines
            self._specs[rel_dir] = pathspec.GitIgnoreSpec.from_lines(lines) if lines else None
        return self._specs[rel_dir]

    def path_reason(self, rel: str, is_dir: bool) -> str | None:
        """Why `rel` is excluded by path rules alone (its parents are assumed included)."""
        key = rel + "/" if is_dir else rel
        if is_secret_name(rel, is_dir=is_dir):
            return "secret"
        ignored = bool(_DEFAULTS.match_file(key))
        reason = "default exclude" if ignored else None
        parts = rel.split("/")
        for depth in range(len(parts)):
            spec = self._spec("/".join(parts[:depth]))
            if spec is None:
                continue
            result = spec.check_file("/".join(parts[depth:]) + ("/" if is_dir else ""))
            if result.include is not None:
                ignored = result.include
                reason = f"ignore file in /{'/'.join(parts[:depth])}" if ignored else None
        if self._extra.match_file(key):
            return "settings ignore_globs"
        return reason if ignored else None

    def _inside_root(self, path: Path) -> bool:
        try:
            path.resolve().relative_to(self.root)
        except (OSError, ValueError):
            return False
        return True

    def walk(self, under: str = "", on_skip: OnSkip = _no_skip) -> Iterator[FoundFile]:
        """Candidate files under the root (or its folder `under`); skips are logged at debug
        and told to `on_skip` (an excluded folder once, not each file in it)."""
        if under:
            start = self.root / under
            if not start.is_dir() or not self._inside_root(start):
                return
            if self.path_excluded(under, is_dir=True) is not None:
                return
        seen_dirs = {os.path.realpath(self.root / under)}
        stack = [under]
        while stack:
            rel_dir = stack.pop()
            directory = self.root / rel_dir if rel_dir else self.root
            try:
                entries = sorted(os.scandir(directory), key=lambda e: e.name, reverse=True)
            except OSError as exc:
                log.debug("skip %s/: unreadable (%s)", rel_dir, exc)
                continue
            for entry in entries:
                rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
                found = self._visit(entry, rel, seen_dirs, stack, on_skip)
                if found is not None:
                    yield found

    def _visit(
        self,
        entry: os.DirEntry[str],
        rel: str,
        seen_dirs: set[str],
        stack: list[str],
        on_skip: OnSkip,
    ) -> FoundFile | None:
        try:
            is_dir = entry.is_dir()
            shown = rel + "/" if is_dir else rel
            if entry.is_symlink() and not self._inside_root(Path(entry.path)):
                log.debug("skip %s: symlink leaves the root", rel)
                on_skip(shown, "outside the root", "symlink leaves the root")
                return None
            if entry.is_symlink() and is_secret_path(entry.path, self.root, is_dir=is_dir):
                log.info("skip %s: secret (symlink to a credential file)", rel)
                on_skip(shown, "secret", "symlink to a credential file")
                return None
            if entry.is_symlink():
                alias = ALIAS.format(self.relative(os.path.realpath(entry.path)))
                log.debug("skip %s: %s", shown, alias)
                on_skip(shown, "ignored", alias)
                return None
        except OSError as exc:
            log.debug("skip %s: unreadable entry (%s)", rel, exc)
            on_skip(rel, "unreadable", exc.strerror or str(exc))
            return None
        reason = self.path_reason(rel, is_dir)
        if reason is None and is_dir and (Path(entry.path) / "pyvenv.cfg").exists():
            reason = "virtualenv"
        if reason is not None:
            log.debug("skip %s: %s", shown, reason)
            if reason == "secret":
                on_skip(shown, "secret", "credential file name")
            else:
                on_skip(shown, "ignored", reason)
            return None
        if is_dir:
            real = os.path.realpath(entry.path)
            if real not in seen_dirs:
                seen_dirs.add(real)
                stack.append(rel)
            else:
                log.debug("skip %s/: already visited (symlink loop or alias)", rel)
            return None
        return self._sized(entry.path, rel, on_skip)

    def _sized(self, path: str, rel: str, on_skip: OnSkip = _no_skip) -> FoundFile | None:
        try:
            info = os.stat(path)
        except OSError as exc:  # deleted meanwhile, dangling link, symlink loop (ELOOP)
            log.debug("skip %s: %s", rel, exc.strerror or exc)
            return None
        if not stat.S_ISREG(info.st_mode):
            log.debug("skip %s: not a regular file", rel)
            return None
        if info.st_size > self.max_file_bytes:
            log.debug("skip %s: %d bytes > max_file_bytes", rel, info.st_size)
            on_skip(rel, "too large", self.size_detail(info.st_size))
            return None
        if info.st_nlink > 1:
            log.info("skip %s: secret (%s)", rel, HARD_LINK)
            on_skip(rel, "secret", HARD_LINK)
            return None
        return FoundFile(rel, info.st_size, info.st_mtime_ns)

    def size_detail(self, size: int) -> str:
        return f"{size} bytes, over AURO_MAX_FILE_BYTES={self.max_file_bytes}"

    def relative(self, path: Path | str) -> str | None:
        """`path` relative to the root in POSIX form, or None when it lies outside."""
        candidate = Path(path)
        if not candidate.is_absolute():
            candidate = self.root / candidate
        try:
            return candidate.absolute().relative_to(self.root).as_posix()
        except ValueError:
            try:
                return candidate.resolve().relative_to(self.root).as_posix()
            except (OSError, ValueError):
                return None

    def path_excluded(self, rel: str, *, is_dir: bool = False) -> str | None:
        """Path rules for `rel` and every parent folder; no file access beyond pyvenv.cfg."""
        parts = rel.split("/")
        for depth in range(1, len(parts) + (1 if is_dir else 0)):
            parent = "/".join(parts[:depth])
            reason = self.path_reason(parent, is_dir=True)
            if reason is None and (self.root / parent / "pyvenv.cfg").exists():
                reason = "virtualenv"
            if reason is not None:
                return f"{reason} ({parent}/)"
        return None if is_dir else self.path_reason(rel, is_dir=False)

    def skip_reason(self, path: Path | str) -> str | None:
        """Why one path is not indexable (None = indexable); same rules as `walk`."""
        rel = self.relative(path)
        if rel is None or rel in ("", "."):
            return "outside the workspace root"
        full = self.root / rel
        if not self._inside_root(full):
            return "symlink leaves the root"
        if is_secret_path(full, self.root):
            return "secret"
        if full.resolve() != full:
            return ALIAS.format(self.relative(full.resolve()))
        reason = self.path_excluded(rel)
        if reason is not None:
            return reason
        if self._sized(str(full), rel) is None:
            try:
                size = full.stat().st_size
            except OSError:
                return "missing or not a regular file"
            if is_hard_link(full):
                return f"secret ({HARD_LINK})"
            return (
                f"too large ({self.size_detail(size)})"
                if size > self.max_file_bytes
                else ("not a regular file")
            )
        return self.content_reason(full)

    def content_reason(self, full: Path) -> str | None:
        """Content checks on an existing file: binary sniff."""
        try:
            with full.open("rb") as handle:
                head = handle.read(BINARY_SNIFF_BYTES)
        except OSError as exc:
            return f"unreadable ({exc.strerror})"
        return "binary" if is_binary(head) else None

    def holds_secret(self, rel: str, data: bytes) -> str | None:
        """Content check on a file's bytes: the kind of private key or token that keeps it
        out of the index, or None."""
        kind = secret_content_kind(data)
        if kind is not None:
            log.info("skip %s: secret (content holds a credential: %s)", rel, kind)
        return kind
