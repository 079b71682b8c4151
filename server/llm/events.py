"""What `LLMManager.stream` yields besides `TextDelta`, and what `complete` returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.llm.budget import BudgetReport
from server.llm.messages import TextDelta, TokenUsage

TRUNCATED_REASONS = frozenset({"length", "max_tokens"})


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

    @property
    def truncated(self) -> bool:
        """The reply was cut by the reply limit or the window, not finished by the model
        (OpenAI and llama.cpp say `length`, Gemini `MAX_TOKENS`)."""
        return self.finish_reason in TRUNCATED_REASONS

    @property
    def reply_limit(self) -> int:
        """The `max_tokens` that was sent: the reserve the prompt was fitted around."""
        return self.budget.reserve

    def to_json(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "model": self.model,
            "endpoint": self.endpoint,
            "truncated": self.truncated,
            "usage": {
                "prompt_tokens": self.usage.prompt_tokens,
                "completion_tokens": self.usage.completion_tokens,
                "estimated": self.usage.estimated,
            },
            "finish_reason": self.finish_reason,
            "latency_s": round(self.latency_s, 4),
            "first_token_s": round(self.first_token_s, 4),
            "budget": self.budget.to_json(),
        }


@dataclass(frozen=True)
class ModelLoading:
    """The chosen server is still loading its model; sent about once per poll while the
    manager waits, so an interface can show progress instead of a silent pause."""

    provider: str
    endpoint: str
    elapsed_s: float
    bound_s: float

    def to_json(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "endpoint": self.endpoint,
            "elapsed_s": round(self.elapsed_s, 1),
            "bound_s": self.bound_s,
        }

    def message(self) -> str:
        return (
            f"{self.provider} at {self.endpoint} is loading its model "
            f"({self.elapsed_s:.0f}s of up to {self.bound_s:.0f}s)"
        )


ChatEvent = ReplyStarted | ModelLoading | TextDelta | ReplyDone


@dataclass(frozen=True)
class ChatResult:
    """A whole answer from `LLMManager.complete`."""

    text: str
    done: ReplyDone
