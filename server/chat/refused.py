"""Refused suggestions, kept as Markdown files: the reason and the model's answer, to read.

An edit that failed its checks is never applied, but the user asked for it and may still
want what the model wrote, so it goes into a document the editor can open.
"""

from __future__ import annotations

import time
from pathlib import Path

from server.chat.suggestions import SuggestionRefused


def write_refusal(directory: Path, source: Path, refused: SuggestionRefused) -> Path:
    """Write the refusal for an action on `source` to `directory`; returns the file's path."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = directory / f"{source.stem}-refused-{stamp}-{time.monotonic_ns() % 10**6}.md"
    path.write_text(
        f"# {refused.title}: not applied\n\n"
        f"File: {source}\n\n"
        f"Why: {refused.reason}.\n\n"
        "Nothing was changed. The model's answer, for reading:\n\n"
        "---\n\n"
        f"{refused.answer.strip()}\n"
    )
    return path
