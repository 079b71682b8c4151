"""Build provider pools from settings: which providers, in which order, on which URLs."""

from __future__ import annotations

import logging

from server.config import Settings
from server.llm.breaker import CircuitBreaker
from server.llm.endpoints import Endpoint, ProviderPool
from server.llm.gemini import GeminiProvider
from server.llm.llamacpp import LlamaCppProvider
from server.llm.openai_compat import OpenAICompatProvider
from server.llm.policy import BreakerPolicy, Timeouts
from server.llm.provider import LLMProvider

log = logging.getLogger(__name__)

KNOWN_PROVIDERS = ("llamacpp", "openai", "gemini")
OPENAI_DEFAULT_URL = str(Settings.model_fields["openai_base_url"].default)
WHAT_TO_SET = {
    "llamacpp": "set LLAMACPP_SERVER_URL to a running llama.cpp server",
    "openai": "set OPENAI_API_KEY (and OPENAI_BASE_URL for a compatible server)",
    "gemini": "set GEMINI_API_KEY",
}


def split_urls(value: str) -> list[str]:
    return [url.strip() for url in value.split(",") if url.strip()]


def is_configured(settings: Settings, name: str) -> bool:
    if name == "llamacpp":
        return bool(split_urls(settings.llamacpp_server_url))
    if name == "openai":
        return bool(settings.openai_api_key) or split_urls(settings.openai_base_url) != [
            OPENAI_DEFAULT_URL
        ]
    if name == "gemini":
        return bool(settings.gemini_api_key)
    return False


def provider_order(settings: Settings) -> list[str]:
    """`AURO_LLM_PROVIDERS` if set (unknown or unconfigured names are skipped with a
    warning), else every configured provider, local first."""
    if not settings.llm_providers:
        return [name for name in KNOWN_PROVIDERS if is_configured(settings, name)]
    order: list[str] = []
    for name in (n.lower() for n in settings.llm_providers):
        if name not in KNOWN_PROVIDERS:
            log.warning("AURO_LLM_PROVIDERS: unknown provider %r ignored", name)
        elif not is_configured(settings, name):
            log.warning("AURO_LLM_PROVIDERS: %s is not configured (%s)", name, WHAT_TO_SET[name])
        elif name not in order:
            order.append(name)
    return order


LLAMACPP_VISION: dict[str, bool | None] = {"auto": None, "yes": True, "no": False}


def build_providers(settings: Settings, name: str, timeouts: Timeouts) -> list[LLMProvider]:
    """One provider instance per URL."""
    if name == "llamacpp":
        return [
            LlamaCppProvider(
                endpoint=url,
                model=settings.llamacpp_model_name,
                timeouts=timeouts,
                info_max_age=settings.llm_model_refresh,
                vision=LLAMACPP_VISION[settings.llamacpp_vision],
            )
            for url in split_urls(settings.llamacpp_server_url)
        ]
    if name == "openai":
        return [
            OpenAICompatProvider(
                endpoint=url,
                model=settings.openai_model,
                api_key=settings.openai_api_key,
                timeouts=timeouts,
                info_max_age=settings.llm_model_refresh,
                vision=settings.openai_vision,
            )
            for url in split_urls(settings.openai_base_url)
        ]
    return [
        GeminiProvider(
            endpoint=settings.gemini_base_url,
            model=settings.gemini_model,
            api_key=settings.gemini_api_key,
            timeouts=timeouts,
            vision=settings.gemini_vision,
        )
    ]


def build_pools(
    settings: Settings, timeouts: Timeouts, breaker: BreakerPolicy
) -> list[ProviderPool]:
    return [
        ProviderPool(
            name,
            [
                Endpoint(provider, CircuitBreaker(breaker))
                for provider in build_providers(settings, name, timeouts)
            ],
        )
        for name in provider_order(settings)
    ]
