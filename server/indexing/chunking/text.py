"""Markdown (split by headings) and plain text (line windows)."""

from __future__ import annotations

import re

from server.indexing.chunking.builder import Builder

_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")

TEXT_OVERLAP = 2  # lines repeated between consecutive windows of a text file


def text_spans(b: Builder) -> None:
    b.windows(0, len(b.lines) - 1, "", "lines", overlap=TEXT_OVERLAP)


def _blocks(lines: list[str], a: int, end: int, fenced: list[bool]) -> list[tuple[int, int]]:
    """Paragraphs of lines a..end: runs of non-blank lines (a fenced block is one run)."""
    out: list[tuple[int, int]] = []
    start = -1
    for i in range(a, end + 1):
        blank = not lines[i].strip() and not fenced[i]
        if blank:
            if start >= 0:
                out.append((start, i - 1))
                start = -1
        elif start < 0:
            start = i
    if start >= 0:
        out.append((start, end))
    return out


def markdown_spans(b: Builder) -> None:
    lines = b.lines
    n = len(lines)
    fenced = [False] * n  # inside a fenced code block (fence lines included)
    headings: list[tuple[int, int, str]] = []  # row, level, title
    fence = ""
    for i, line in enumerate(lines):
        if fence:
            fenced[i] = True
            stripped = line.strip()
            if stripped.startswith(fence) and not stripped.lstrip(fence[0]):
                fence = ""
            continue
        match = _FENCE.match(line)
        if match:
            fence = match.group(1)
            fenced[i] = True
            continue
        match = _HEADING.match(line)
        if match:
            title = (match.group(2) or "").strip()
            headings.append((i, len(match.group(1)), title[:80]))
    # sections: (start, end, symbol)
    sections: list[tuple[int, int, str]] = []
    if not headings or headings[0][0] > 0:
        sections.append((0, (headings[0][0] - 1) if headings else n - 1, ""))
    stack: list[tuple[int, str]] = []
    for k, (row, level, title) in enumerate(headings):
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, title))
        end = headings[k + 1][0] - 1 if k + 1 < len(headings) else n - 1
        sections.append((row, end, " > ".join(t for _, t in stack if t)))
    carry = -1  # start of heading-only sections merged into the next one
    for k, (start, end, symbol) in enumerate(sections):
        if carry >= 0:
            start, carry = carry, -1
        has_body = any(lines[i].strip() for i in range(start + 1, end + 1))
        if symbol and not has_body and k + 1 < len(sections):
            carry = start
            continue
        if not any(lines[i].strip() for i in range(start, end + 1)):
            continue
        b.pack(_blocks(lines, start, end, fenced), symbol, "section")
