"""In-memory LLM usage accounting per provider, model and session, exposed as JSON by the
REST API and the `auro/usage` LSP request.

`requests` counts every request a server worked on: completed, cancelled or broken off.
Servers report token counts only at the end of a stream, so an unfinished request is
charged our own counts (the fitted prompt, the text streamed so far) and counted in
`estimated`; so is a completed one whose server sent no counts.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Any

from server.llm.estimate import estimate_text_tokens
from server.llm.messages import TokenUsage

MAX_SESSIONS_TRACKED = 1000
RECENT_ERRORS = 20


def completed_usage(reported: TokenUsage, prompt_tokens: int, text: str) -> TokenUsage:
    """The server's counts, with what it left out filled in from ours (then `estimated`)."""
    return TokenUsage(
        reported.prompt_tokens or prompt_tokens,
        reported.completion_tokens or estimate_text_tokens(text),
        estimated=not (reported.prompt_tokens and reported.completion_tokens),
    )


def unfinished_usage(prompt_tokens: int, text: str) -> TokenUsage:
    """An unfinished request: the prompt as we counted it and the text streamed so far."""
    return TokenUsage(prompt_tokens, estimate_text_tokens(text), estimated=True)


@dataclass
class UsageTotals:
    requests: int = 0
    completed: int = 0
    cancelled: int = 0
    errors: int = 0
    estimated: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    first_token_s: float = 0.0

    def add_tokens(self, usage: TokenUsage) -> None:
        self.requests += 1
        self.estimated += usage.estimated
        self.prompt_tokens += usage.prompt_tokens
        self.completion_tokens += usage.completion_tokens

    def add_success(self, usage: TokenUsage, latency_s: float, first_token_s: float) -> None:
        self.add_tokens(usage)
        self.completed += 1
        self.latency_s += latency_s
        self.first_token_s += first_token_s

    def to_json(self) -> dict[str, Any]:
        ok = max(1, self.completed)
        return {
            "requests": self.requests,
            "completed": self.completed,
            "cancelled": self.cancelled,
            "errors": self.errors,
            "estimated": self.estimated,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
            "avg_latency_s": round(self.latency_s / ok, 4),
            "avg_first_token_s": round(self.first_token_s / ok, 4),
        }


class UsageTracker:
    """Thread-safe counters; `snapshot()` returns plain JSON-able data."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._total = UsageTotals()
        self._providers: dict[str, UsageTotals] = {}
        self._models: dict[str, UsageTotals] = {}
        self._sessions: OrderedDict[str, UsageTotals] = OrderedDict()
        self._errors: deque[dict[str, Any]] = deque(maxlen=RECENT_ERRORS)

    def _buckets(self, provider: str, model: str, session_id: str | None) -> list[UsageTotals]:
        buckets = [
            self._total,
            self._providers.setdefault(provider, UsageTotals()),
            self._models.setdefault(f"{provider}/{model}", UsageTotals()),
        ]
        if session_id is not None:
            bucket = self._sessions.pop(session_id, None) or UsageTotals()
            self._sessions[session_id] = bucket
            if len(self._sessions) > MAX_SESSIONS_TRACKED:
                self._sessions.popitem(last=False)
            buckets.append(bucket)
        return buckets

    def record_success(
        self,
        *,
        provider: str,
        model: str,
        session_id: str | None,
        usage: TokenUsage,
        latency_s: float,
        first_token_s: float,
    ) -> None:
        with self._lock:
            for bucket in self._buckets(provider, model, session_id):
                bucket.add_success(usage, latency_s, first_token_s)

    def record_unfinished(
        self,
        *,
        provider: str,
        model: str,
        session_id: str | None,
        usage: TokenUsage,
        cancelled: bool,
    ) -> None:
        """A request the server worked on that did not complete (its error, if any, is
        recorded separately by `record_error`)."""
        with self._lock:
            for bucket in self._buckets(provider, model, session_id):
                bucket.add_tokens(usage)
                bucket.cancelled += cancelled

    def record_error(
        self, *, provider: str, model: str, session_id: str | None, error: str
    ) -> None:
        with self._lock:
            for bucket in self._buckets(provider, model, session_id):
                bucket.errors += 1
            self._errors.append(
                {"time": time.time(), "provider": provider, "model": model, "error": error}
            )

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "totals": self._total.to_json(),
                "providers": {k: v.to_json() for k, v in self._providers.items()},
                "models": {k: v.to_json() for k, v in self._models.items()},
                "sessions": {k: v.to_json() for k, v in self._sessions.items()},
                "recent_errors": list(self._errors),
            }
