"""Plain records of chat sessions and their turns."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

TurnRole = Literal["user", "assistant"]
TurnStatus = Literal["completed", "cancelled", "error"]


@dataclass(frozen=True)
class SessionInfo:
    """`workspaces`: the roots open when the session started (empty for older sessions)."""

    id: str
    title: str
    created_at: float
    last_used: float
    turn_count: int = 0
    workspaces: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Turn:
    """One message of a session; `usage` and `citations` are JSON-able data."""

    role: TurnRole
    content: str
    status: TurnStatus = "completed"
    provider: str | None = None
    model: str | None = None
    usage: dict[str, Any] = field(default_factory=dict)
    citations: list[Any] = field(default_factory=list)
    created_at: float = 0.0
    id: int | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
