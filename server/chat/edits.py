"""Editor-neutral edits: line-range replacements and new files.

Positions are 0-based (line, character) with characters counted in code points, as Python
indexes strings; an LSP front end converts them to the client's position encoding.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

Position = tuple[int, int]


@dataclass(frozen=True)
class TextChange:
    """Replace `start`..`end` of an existing file with `new_text`."""

    path: Path
    start: Position
    end: Position
    new_text: str


@dataclass(frozen=True)
class NewFile:
    """Create `path` with `text` (the file does not exist yet)."""

    path: Path
    text: str


FileChange = TextChange | NewFile


@dataclass(frozen=True)
class LineEdit:
    """Lines `first`..`last` (0-based, inclusive) of `before` replaced: the change and result."""

    change: TextChange
    after: str


def replace_lines(path: Path, before: str, first: int, last: int, code: str) -> LineEdit:
    """Replace whole lines; the block keeps the line ending it had."""
    lines = before.splitlines(keepends=True) or [""]
    first = max(0, min(first, len(lines) - 1))
    last = max(first, min(last, len(lines) - 1))
    old_block = "".join(lines[first : last + 1])
    ending = old_block[len(old_block.rstrip("\r\n")) :]
    new_block = code.rstrip("\r\n") + ending
    if ending:
        end: Position = (last + 1, 0)
    else:
        end = (last, len(lines[last]))
    after = "".join(lines[:first]) + new_block + "".join(lines[last + 1 :])
    return LineEdit(TextChange(path, (first, 0), end, new_block), after)


def append_text(path: Path, before: str, code: str) -> LineEdit:
    """Add `code` after the last line, separated by a blank line."""
    lines = before.splitlines(keepends=True)
    if not lines:
        return LineEdit(TextChange(path, (0, 0), (0, 0), code), code)
    last = lines[-1]
    if last.endswith("\n"):
        end: Position = (len(lines), 0)
        glue = "\n"
    else:
        end = (len(lines) - 1, len(last))
        glue = "\n\n"
    added = glue + code.rstrip("\n") + "\n"
    return LineEdit(TextChange(path, end, end, added), before + added)
