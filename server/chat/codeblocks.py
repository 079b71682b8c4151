"""Pull the code out of a model's answer: models wrap it in prose and fences, or not at all."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

FENCE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)\n"
    r"(?P<body>.*?)"
    r"^(?P=indent)(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
UNCLOSED = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)\n(?P<body>.*)\Z", re.M | re.S)


@dataclass(frozen=True)
class ParsedAnswer:
    """The code of an answer and the prose around it (the rationale)."""

    code: str
    rationale: str
    fenced: bool


def _strip_body(body: str, indent: str) -> str:
    lines = body.splitlines()
    if indent:
        lines = [line[len(indent) :] if line.startswith(indent) else line for line in lines]
    return "\n".join(lines)


def parse_answer(answer: str, language: str = "") -> ParsedAnswer:
    """The fenced block to use and the prose around it.

    Prefers blocks tagged with `language`, then the longest block; an answer cut off inside
    a fence keeps what it has; an answer with no fence at all is taken as code.
    """
    blocks = list(FENCE.finditer(answer))
    if blocks:
        tagged = [b for b in blocks if language and b["info"].strip().lower() == language.lower()]
        best = max(tagged or blocks, key=lambda b: len(b["body"]))
        prose = (answer[: best.start()] + answer[best.end() :]).strip()
        return ParsedAnswer(_strip_body(best["body"], best["indent"]), prose, True)
    if (cut := UNCLOSED.search(answer)) is not None:
        return ParsedAnswer(cut["body"].rstrip("\n"), answer[: cut.start()].strip(), True)
    return ParsedAnswer(answer.strip("\n"), "", False)


def leading_indent(text: str) -> str:
    """The indentation of the first non-blank line."""
    for line in text.splitlines():
        if line.strip():
            return line[: len(line) - len(line.lstrip())]
    return ""


def match_indentation(original: str, replacement: str) -> str:
    """Re-indent `replacement` to start where `original` starts (models often dedent)."""
    want, have = leading_indent(original), leading_indent(replacement)
    if want == have:
        return replacement
    return textwrap.indent(textwrap.dedent(replacement), want, lambda line: bool(line.strip()))
