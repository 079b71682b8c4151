"""The records that travel through inline completion: what the editor asks, what a FIM
provider is sent, and what comes back."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ExtraChunk:
    """A piece of another file handed to the model (llama.cpp's `input_extra` item)."""

    filename: str
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"filename": self.filename, "text": self.text}


@dataclass(frozen=True)
class CompletionInput:
    """One request from an editor: the buffer text (unsaved included) split at the cursor."""

    path: Path
    language: str
    prefix: str  # the document text before the cursor
    suffix: str  # the document text after the cursor
    invoked: bool = False  # asked for explicitly (more context, more time) vs. while typing


@dataclass(frozen=True)
class FimRequest:
    """What a provider is asked: the window around the cursor and the context chunks."""

    prefix: str
    suffix: str
    extra: list[ExtraChunk]
    max_tokens: int
    time_limit_ms: int
    stop: list[str]


@dataclass(frozen=True)
class FimAnswer:
    text: str
    provider: str
    endpoint: str


@dataclass
class CompletionOutcome:
    """The suggestion (empty when there is none) and what happened on the way, in words."""

    text: str = ""
    multiline: bool = False
    provider: str | None = None
    cached: bool = False
    context_files: list[str] = field(default_factory=list)
    context_tokens: int = 0  # what the context chunks cost
    context_tokens_estimated: bool = False  # counted by estimate, not the server's tokenizer
    notes: list[str] = field(default_factory=list)
