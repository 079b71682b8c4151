"""A window of lines from a file, capped so one call can never flood the model's context;
what was left out is said, with the call that reads on."""

from __future__ import annotations

from server.mcp.backend import FileText, Refused
from server.mcp.models import CodeText

MAX_LINES = 400
MAX_CHARS = 40_000


def line_window(file: FileText, start_line: int, end_line: int | None) -> CodeText:
    """Lines `start_line`..`end_line` (1-based, inclusive; None = to the end), at most
    MAX_LINES lines and MAX_CHARS characters."""
    lines = file.text.splitlines(keepends=True)
    total = len(lines)
    if end_line is not None and end_line < start_line:
        raise Refused(f"end_line ({end_line}) is before start_line ({start_line})")
    if start_line > max(total, 1):
        raise Refused(f"{file.path} has {total} lines; start_line {start_line} is past its end")
    wanted_end = total if end_line is None else min(end_line, total)
    end = min(wanted_end, start_line + MAX_LINES - 1)
    picked = lines[start_line - 1 : end]
    text, used, cut = _within_chars(picked)
    last = start_line + used - 1 if used else start_line
    truncated = last < wanted_end or cut
    notice = None
    if truncated:
        notice = (
            f"returned lines {start_line}-{last} of {total}: at most {MAX_LINES} lines and "
            f"{MAX_CHARS} characters per call"
        )
        if last < total:
            notice += f"; call read_code with start_line={last + 1} to read on"
    return CodeText(
        root=file.root,
        path=file.path,
        language=file.language,
        start_line=start_line,
        end_line=last if total else 0,
        total_lines=total,
        text=text,
        truncated=truncated,
        notice=notice,
    )


def _within_chars(lines: list[str]) -> tuple[str, int, bool]:
    """The lines that fit MAX_CHARS, how many, and whether a line was cut: a first line
    longer than that (minified code) gives its start rather than nothing."""
    out: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) > MAX_CHARS:
            if not out:
                return line[:MAX_CHARS], 1, True
            break
        out.append(line)
        size += len(line)
    return "".join(out), len(out), False
