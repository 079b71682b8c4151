"""The unit of retrieval, shared by the chunker, the stores and search."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Chunk:
    """A syntax-aligned piece of one file.

    `text` is the source slice; `embed_text` is what gets embedded: a header naming the
    path and symbol, then the text. Lines are 1-based and inclusive.
    """

    path: str  # relative to the workspace root, POSIX separators
    language: str
    symbol: str  # qualified, e.g. "Parser.parse"; "" for unnamed pieces
    kind: str  # function, method, class, class_header, module, section, lines, ...
    start_line: int
    end_line: int
    text: str
    embed_text: str

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.embed_text.encode()).hexdigest()[:16]

    @property
    def id(self) -> str:
        """Stable id: same path, place and content give the same id."""
        key = f"{self.path}:{self.start_line}-{self.end_line}:{self.content_hash}"
        return hashlib.sha256(key.encode()).hexdigest()[:24]
