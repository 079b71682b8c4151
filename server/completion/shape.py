"""How long a suggestion may be and what of it to keep.

Multi-line only where the position calls for it: the cursor on a blank line opening a block
(after `def f():`, `{`, `=>` ...) or inside an empty body (`{` above, `}` below). Anywhere
else one line, because a multi-line guess in the middle of code is mostly noise. Text the
model repeats from just after the cursor (a closing `)`, the next line) is cut off, since
accepting it would duplicate what is already there.
"""

from __future__ import annotations

BLOCK_OPENERS = (":", "{", "(", "[", "=>", "->", " do", " then", "\\")
CLOSERS = set(")]}>;,'\"` \t")


def current_line_head(prefix: str) -> str:
    return prefix.rsplit("\n", 1)[-1]


def current_line_tail(suffix: str) -> str:
    return suffix.split("\n", 1)[0]


def indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _previous_code_line(prefix: str) -> str:
    lines = prefix.split("\n")[:-1]
    return next((line for line in reversed(lines) if line.strip()), "")


def _next_code_line(suffix: str) -> str | None:
    lines = suffix.split("\n")[1:]
    return next((line for line in lines if line.strip()), None)


def wants_multiline(prefix: str, suffix: str) -> bool:
    """True on a blank line that opens a block or sits in an empty body."""
    head, tail = current_line_head(prefix), current_line_tail(suffix)
    if head.strip() or tail.strip():
        return False
    above = _previous_code_line(prefix).rstrip()
    if above.endswith(BLOCK_OPENERS):
        return True
    below = _next_code_line(suffix)
    # an empty body: the next code line closes a block opened above, less indented than us
    return (
        below is not None
        and below.strip()[:1] in ("}", ")", "]")
        and (indent_of(below) < indent_of(head) or above.endswith("{"))
    )


def _drop_repeated_lines(lines: list[str], suffix: str) -> list[str]:
    """Drop trailing suggestion lines that repeat the first code lines after the cursor."""
    ahead = [line.strip() for line in suffix.split("\n")[1:] if line.strip()][: len(lines)]
    for overlap in range(min(len(lines) - 1, len(ahead)), 0, -1):
        tail = [line.strip() for line in lines[-overlap:]]
        if tail == ahead[:overlap]:
            return lines[:-overlap]
    return lines


def _drop_repeated_tail(line: str, rest: str) -> str:
    """Cut the end of the suggestion's last line where it repeats the rest of the cursor
    line (`foo(a` + `, b)` when `)` already follows the cursor)."""
    rest = rest.strip()
    if not rest:
        return line
    for size in range(len(rest), 0, -1):
        piece = rest[:size]
        if line.rstrip().endswith(piece) and (size == len(rest) or set(piece) <= CLOSERS):
            return line.rstrip()[: -len(piece)]
    return line


def trim_completion(text: str, suffix: str, multiline: bool, max_lines: int) -> str:
    """The part of the model's text worth showing: one line or up to `max_lines`, without
    trailing blank lines or text that duplicates the suffix."""
    lines = text.split("\n")
    if not multiline:
        lines = lines[:1]
    else:
        lines = lines[: max(1, max_lines)]
        while len(lines) > 1 and not lines[-1].strip():
            lines.pop()
        lines = _drop_repeated_lines(lines, suffix)
    lines[-1] = _drop_repeated_tail(lines[-1], current_line_tail(suffix))
    result = "\n".join(lines)
    return result if result.strip() else ""
