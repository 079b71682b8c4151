"""What `LLMManager.stream` yields besides `TextDelta`, and what `complete` returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.llm.budget import BudgetReport
from server.llm.messages import TextDelta, TokenUsage


@dataclass(frozen=True)
class ReplyStarted:
    """Sent once, just before the first text: who answers and how the prompt was fitted."""

    provider: str
    model: str
    endpoint: str
    budget: BudgetReport


@dataclass(frozen=True)
class ReplyDone:
    """The last event of a successful stream."""

    provider: str
    model: str
    endpoint: str
    usage: TokenUsage
    finish_reason: str | None
    latency_s: float
    first_token_s: float
    budget: BudgetReport

    def to_json(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "model": self.model,
            "endpoint": self.endpoint,
            "usage": {
                "prompt_tokens": self.usage.prompt_tokens,
                "completion_tokens": self.usage.completion_tokens,
            },
            "finish_reason": self.finish_reason,
            "latency_s": round(self.latency_s, 4),
            "first_token_s": round(self.first_token_s, 4),
            "budget": self.budget.to_json(),
        }


ChatEvent = ReplyStarted | TextDelta | ReplyDone


@dataclass(frozen=True)
class ChatResult:
    """A whole answer from `LLMManager.complete`."""

    text: str
    done: ReplyDone
