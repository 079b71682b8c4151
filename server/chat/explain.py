"""Explanations of selected code, kept as Markdown files the editor can open beside the code."""

from __future__ import annotations

import time
from pathlib import Path

from server.chat.models import ChatReply, CodeCitation, FocusCode
from server.paths import private_dir, write_private_text

EXPLAIN_MESSAGE = (
    "Explain the selected code: what it does, how it works, and anything surprising or risky."
)


def write_explanation(directory: Path, focus: FocusCode, reply: ChatReply) -> Path:
    """Write the answer with its sources to `directory`; returns the file's path."""
    private_dir(directory)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = directory / f"{focus.path.stem}-{focus.start_line}-{stamp}.md"
    sources = "\n".join(
        f"- {c.path}:{c.start_line}-{c.end_line}"
        if isinstance(c, CodeCitation)
        else f"- {c.title} <{c.url}>"
        for c in reply.citations
    )
    text = (
        f"# Explanation: {focus.path.name}, lines {focus.start_line}-{focus.end_line}\n\n"
        f"{reply.text.strip()}\n"
    )
    if sources:
        text += f"\n## Based on\n\n{sources}\n"
    write_private_text(path, text)
    return path
