"""LLM settings for tests: nothing configured unless asked, test-sized timeouts."""

from __future__ import annotations

from typing import Any

from server.config import Settings

FAST = {
    "llm_connect_timeout": 1.0,
    "llm_first_token_timeout": 1.0,
    "llm_idle_timeout": 0.5,
    "llm_total_timeout": 10.0,
    "llm_max_retries": 1,
    "llm_reply_reserve": 64,
}
CLOSED_PORT_URL = "http://127.0.0.1:9"  # discard port: nothing listens, connection refused


def make_settings(**values: Any) -> Settings:
    """Settings with nothing configured except `values`, and test-sized timeouts."""
    base = {
        "llamacpp_server_url": "",
        "openai_api_key": "",
        "gemini_api_key": "",
        **FAST,
    }
    return Settings.model_validate({**base, **values})
