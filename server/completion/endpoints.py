"""Which FIM endpoints to try, in which order, each with its own circuit breaker.

The order and URLs are chat's (`AURO_LLM_PROVIDERS`, `LLAMACPP_SERVER_URL=a,b`), narrowed
by `AURO_INLINE_COMPLETION_PROVIDER`. Providers without a FIM route (Gemini) are left out;
an endpoint found to have no FIM is set aside for a while instead of being asked again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from server.completion.providers import FimProvider, LlamaCppInfill, OpenAICompletions
from server.config import Settings
from server.llm.breaker import CircuitBreaker
from server.llm.factory import provider_order, split_urls
from server.llm.policy import BreakerPolicy

NO_FIM_RETRY = 300.0  # seconds before an endpoint without FIM is asked again (model swap)
FIM_PROVIDERS = ("llamacpp", "openai")


@dataclass(eq=False)
class FimEndpoint:
    provider: FimProvider
    breaker: CircuitBreaker
    clock: Callable[[], float] = time.monotonic
    no_fim_until: float = 0.0

    def available(self) -> bool:
        return self.breaker.allows() and self.clock() >= self.no_fim_until

    def set_aside(self) -> None:
        self.no_fim_until = self.clock() + NO_FIM_RETRY

    def unavailable_reason(self) -> str:
        if self.clock() < self.no_fim_until:
            return f"{self.provider.name} at {self.provider.endpoint}: no FIM model"
        return f"{self.provider.name} at {self.provider.endpoint}: circuit open"


def fim_order(settings: Settings) -> tuple[list[str], list[str]]:
    """The FIM-capable providers to use, and notes on the configured ones left out."""
    order = provider_order(settings)
    wanted = settings.inline_completion_provider
    if wanted != "auto":
        order = [name for name in order if name == wanted]
    notes = [
        f"{name}: no fill-in-the-middle API, skipped" for name in order if name not in FIM_PROVIDERS
    ]
    return [name for name in order if name in FIM_PROVIDERS], notes


def build_endpoints(
    settings: Settings, breaker: BreakerPolicy | None = None
) -> tuple[list[FimEndpoint], list[str]]:
    policy = breaker or BreakerPolicy()
    names, notes = fim_order(settings)
    endpoints: list[FimEndpoint] = []
    for name in names:
        if name == "llamacpp":
            providers: list[FimProvider] = [
                LlamaCppInfill(url) for url in split_urls(settings.llamacpp_server_url)
            ]
        else:
            providers = [
                OpenAICompletions(url, settings.openai_model, settings.openai_api_key)
                for url in split_urls(settings.openai_base_url)
            ]
        endpoints.extend(FimEndpoint(p, CircuitBreaker(policy)) for p in providers)
    return endpoints, notes
