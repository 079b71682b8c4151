"""The endpoints of one provider kind, balanced by least in-flight requests."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from server.llm.breaker import CircuitBreaker
from server.llm.provider import LLMProvider


@dataclass(eq=False)
class Endpoint:
    """One provider instance with its breaker, load and rate-limit state."""

    provider: LLMProvider
    breaker: CircuitBreaker
    clock: Callable[[], float] = time.monotonic
    in_flight: int = 0
    started: int = 0
    blocked_until: float = 0.0

    @property
    def url(self) -> str:
        return self.provider.endpoint

    def available(self) -> bool:
        return self.breaker.allows() and self.clock() >= self.blocked_until

    def block(self, seconds: float) -> None:
        """Skip this endpoint for `seconds` (a long Retry-After)."""
        self.blocked_until = max(self.blocked_until, self.clock() + seconds)

    def unavailable_reason(self) -> str:
        if self.clock() < self.blocked_until:
            return f"rate limited for {self.blocked_until - self.clock():.0f}s more"
        return (
            f"circuit open after {self.breaker.failures} failures, "
            f"retry in {self.breaker.retry_in():.0f}s"
        )


@dataclass
class ProviderPool:
    """All endpoints of one provider kind (`LLAMACPP_SERVER_URL=a,b` gives two)."""

    name: str
    endpoints: list[Endpoint] = field(default_factory=list)

    def pick(self, avoid: Collection[Endpoint] = ()) -> Endpoint | None:
        """The available endpoint with the fewest requests in flight, preferring ones not in
        `avoid`; ties go to the one that started fewer requests, so load spreads evenly."""
        candidates = [e for e in self.endpoints if e.available()]
        fresh = [e for e in candidates if e not in avoid]
        pool = fresh or candidates
        if not pool:
            return None
        return min(pool, key=lambda e: (e.in_flight, e.started))

    @property
    def model(self) -> str:
        return self.endpoints[0].provider.model if self.endpoints else ""
