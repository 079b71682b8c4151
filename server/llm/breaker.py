"""A circuit breaker per endpoint, so a dead server costs one timeout, not one per request."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

from server.llm.policy import BreakerPolicy

State = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """closed -> (threshold failures in a row) -> open -> (cooldown) -> half_open: one trial
    request; its success closes the breaker, its failure opens it again."""

    def __init__(self, policy: BreakerPolicy, clock: Callable[[], float] = time.monotonic):
        self.policy = policy
        self._clock = clock
        self.failures = 0
        self._opened_at: float | None = None
        self._trial_running = False

    @property
    def state(self) -> State:
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at >= self.policy.cooldown:
            return "half_open"
        return "open"

    def retry_in(self) -> float:
        if self._opened_at is None:
            return 0.0
        return max(0.0, self._opened_at + self.policy.cooldown - self._clock())

    def allows(self) -> bool:
        state = self.state
        return state == "closed" or (state == "half_open" and not self._trial_running)

    def started(self) -> None:
        if self.state == "half_open":
            self._trial_running = True

    def succeeded(self) -> None:
        self.failures = 0
        self._opened_at = None
        self._trial_running = False

    def failed(self) -> None:
        self.failures += 1
        self._trial_running = False
        if self.state == "half_open" or self.failures >= self.policy.failure_threshold:
            self._opened_at = self._clock()

    def released(self) -> None:
        """The request ended without a verdict (cancelled, or the prompt was the problem)."""
        self._trial_running = False
