"""Plain records of a chat turn: what the caller asks, what the answer cites, what comes back."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from server.llm import ImagePart
from server.sessions import TurnStatus


@dataclass(frozen=True)
class FocusCode:
    """The code the user points at, from the open buffer (unsaved text included).

    `text` is the selection, or the whole buffer when `whole_file`; lines are 1-based and
    inclusive.
    """

    path: Path
    text: str
    start_line: int
    end_line: int
    whole_file: bool = False
    language: str = ""


@dataclass(frozen=True)
class ChatRequest:
    message: str
    session_id: str | None = None
    focus: FocusCode | None = None
    include_rag: bool = True
    include_tools: bool = False
    # Start the session under `session_id` when it does not exist (None always starts one).
    create_session: bool = False
    # Sent with the question to a model that sees images (history keeps the text only).
    images: tuple[ImagePart, ...] = ()


@dataclass(frozen=True)
class CodeCitation:
    """A piece of workspace code the answer was based on; `path` is absolute."""

    path: str
    start_line: int
    end_line: int
    symbol: str = ""

    @property
    def location(self) -> str:
        return f"{self.path}:{self.start_line}-{self.end_line}"

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "start_line": self.start_line,
            "end_line": self.end_line,
            "symbol": self.symbol,
        }


@dataclass(frozen=True)
class WebCitation:
    """A web page the answer was based on (untrusted content)."""

    url: str
    title: str

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "title": self.title}


Citation = CodeCitation | WebCitation


@dataclass
class ChatReply:
    """The outcome of one chat turn; `error` says why when `status` is not completed."""

    session_id: str
    text: str
    citations: list[Citation] = field(default_factory=list)
    usage: dict[str, int] = field(default_factory=dict)
    provider: str | None = None
    model: str | None = None
    status: TurnStatus = "completed"
    error: str | None = None
    truncated: bool = False  # the reply limit or the window cut the answer short
    notices: list[str] = field(default_factory=list)  # cut or left-out context, truncation

    def to_json(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "text": self.text,
            "citations": [c.to_json() for c in self.citations],
            "usage": self.usage,
            "provider": self.provider,
            "model": self.model,
            "status": self.status,
            "error": self.error,
            "truncated": self.truncated,
            "notices": list(self.notices),
        }
