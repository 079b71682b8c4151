"""Provider-neutral chat messages, requests and stream events.

Each provider translates these to its own wire format, so feature code never needs to
know whether OpenAI, llama.cpp or Gemini answers.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Literal

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class TextPart:
    text: str


@dataclass(frozen=True)
class ImagePart:
    """Raw image bytes; sent as a data URL (OpenAI) or `inline_data` (Gemini)."""

    mime_type: str
    data: bytes

    def base64(self) -> str:
        return base64.b64encode(self.data).decode("ascii")

    def data_url(self) -> str:
        return f"data:{self.mime_type};base64,{self.base64()}"


ContentPart = TextPart | ImagePart


@dataclass(frozen=True)
class Message:
    """One chat message; `content` is plain text or a list of text and image parts."""

    role: Role
    content: str | tuple[ContentPart, ...]

    def text(self) -> str:
        """The textual content only (images are left out)."""
        if isinstance(self.content, str):
            return self.content
        return "".join(p.text for p in self.content if isinstance(p, TextPart))

    def images(self) -> list[ImagePart]:
        if isinstance(self.content, str):
            return []
        return [p for p in self.content if isinstance(p, ImagePart)]


@dataclass(frozen=True)
class LLMRequest:
    """What a single provider is asked: concrete messages, already fitted to its window."""

    messages: list[Message]
    max_tokens: int | None = None
    temperature: float | None = None


@dataclass(frozen=True)
class TokenUsage:
    """Token counts; `estimated` when some of them are our counts, not the server's."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    estimated: bool = False

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class TextDelta:
    """A piece of the answer, in order."""

    text: str


@dataclass(frozen=True)
class StreamEnd:
    """The last event of a provider stream: token usage and why generation stopped."""

    usage: TokenUsage
    finish_reason: str | None = None


@dataclass(frozen=True)
class StreamOpened:
    """The server accepted the request (HTTP 200): from here on it spends tokens on it."""


StreamEvent = StreamOpened | TextDelta | StreamEnd
