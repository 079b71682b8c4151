"""Typed LLM errors whose `str()` is a message a user can act on.

The manager decides on failover from the type alone: `UpstreamError.retryable` and
`failover` say whether trying again (same or next endpoint) can help.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class LLMError(Exception):
    """Base of every error the LLM layer raises."""


class UpstreamError(LLMError):
    """One endpoint failed before any text was produced; another provider may succeed.

    `retryable`: the same endpoint may succeed later (connect error, timeout, 5xx, 429,
    malformed stream); false for auth and missing-model errors, which are configuration
    problems of this provider only.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        endpoint: str,
        status: int | None = None,
        retryable: bool = True,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.endpoint = endpoint
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after


class StillLoading(UpstreamError):
    """The server is up but still loading its model (llama.cpp: HTTP 503 `Loading model`).

    Not a failure: the manager waits for it to become ready instead of tripping the breaker.
    """


class ReplyTimeout(UpstreamError):
    """The request was sent but no text came in time; the server did work on it."""


class ContextOverflow(LLMError):
    """The prompt did not fit the model window; `n_ctx` is the window the server reported."""

    def __init__(
        self, message: str, *, provider: str, n_prompt_tokens: int | None, n_ctx: int | None
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.n_prompt_tokens = n_prompt_tokens
        self.n_ctx = n_ctx


class LLMRequestError(LLMError):
    """The request itself was rejected (e.g. HTTP 400); other providers would reject it too."""


BLIND = "skipped: its model cannot see images"


class ImagesUnsupported(LLMRequestError):
    """The question has images and no configured model can see them; nothing was sent."""

    def __init__(self, attempts: Sequence[Attempt]) -> None:
        self.attempts = list(attempts)
        checked = ", ".join(f"{a.provider} ({a.endpoint})" for a in self.attempts)
        super().__init__(
            f"The question has an image, but no configured model can see images "
            f"(checked: {checked}). Use a vision model: a llama.cpp server started with "
            "--mmproj, or an OpenAI or Gemini model (OPENAI_VISION, GEMINI_VISION); "
            "or ask without the image."
        )


class StreamInterrupted(LLMError):
    """The stream broke after text reached the caller; not retried, so no text is duplicated."""

    def __init__(self, provider: str, chars_sent: int, cause: str) -> None:
        super().__init__(
            f"The answer from {provider} broke off after {chars_sent} characters ({cause}). "
            "It was not retried to avoid repeating text; ask again to get a full answer."
        )
        self.provider = provider
        self.chars_sent = chars_sent
        self.cause = cause


@dataclass(frozen=True)
class Attempt:
    """One try of one endpoint, as listed in `LLMUnavailable`."""

    provider: str
    endpoint: str
    error: str

    def to_json(self) -> dict[str, str]:
        return {"provider": self.provider, "endpoint": self.endpoint, "error": self.error}


CONFIGURE_HINT = (
    "Configure a model: set LLAMACPP_SERVER_URL to a running llama.cpp server, "
    "or OPENAI_API_KEY (and OPENAI_BASE_URL for a compatible server), or GEMINI_API_KEY."
)


class LLMUnavailable(LLMError):
    """No provider could answer; the message lists what was tried and what to configure."""

    def __init__(self, attempts: Sequence[Attempt], hint: str = CONFIGURE_HINT) -> None:
        self.attempts = list(attempts)
        self.hint = hint
        if self.attempts:
            tried = "; ".join(f"{a.provider} ({a.endpoint}): {a.error}" for a in self.attempts)
            message = f"No language model answered. Tried: {tried}. {hint}"
        else:
            message = f"No language model is configured. {hint}"
        super().__init__(message)
