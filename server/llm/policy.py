"""Timeouts, retry and circuit-breaker knobs, built from settings (tests pass tiny values)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from server.config import Settings


@dataclass(frozen=True)
class Timeouts:
    """Seconds: to connect, to the first text, between texts, for the whole answer."""

    connect: float = 5.0
    first_token: float = 60.0
    idle: float = 30.0
    total: float = 600.0

    @classmethod
    def from_settings(cls, settings: Settings) -> Timeouts:
        return cls(
            connect=settings.llm_connect_timeout,
            first_token=settings.llm_first_token_timeout,
            idle=settings.llm_idle_timeout,
            total=settings.llm_total_timeout,
        )

    @property
    def read_backstop(self) -> float:
        """The HTTP client's read timeout; the manager's own timers fire first."""
        return max(self.first_token, self.idle) + 5.0


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter; a Retry-After longer than `max_retry_after`
    makes the manager fail over at once instead of waiting."""

    max_retries: int = 2
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 10.0

    def backoff(self, attempt: int) -> float:
        ceiling = min(self.max_delay, self.base_delay * 2**attempt)
        return random.uniform(ceiling / 2, ceiling)


@dataclass(frozen=True)
class BreakerPolicy:
    """An endpoint with `failure_threshold` failures in a row is skipped for `cooldown` s."""

    failure_threshold: int = 3
    cooldown: float = 30.0


@dataclass(frozen=True)
class LoadPolicy:
    """How long to wait for a server that is loading its model (`bound`, seconds) and how
    often to ask its `/health` meanwhile (`poll`)."""

    bound: float = 120.0
    poll: float = 1.0

    @classmethod
    def from_settings(cls, settings: Settings) -> LoadPolicy:
        return cls(bound=settings.llm_load_wait)
