"""Typed tool failures with a stable `code`, so REST and LSP map them without parsing text."""

from __future__ import annotations

from typing import Any


class ToolError(Exception):
    """Base of every tool failure; `message` is safe to show to the user."""

    code = "tool_error"

    def __init__(self, message: str, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}


class ToolDisabled(ToolError):
    """The tool is switched off or cannot run with the current configuration."""

    code = "tool_disabled"


class SearchFailed(ToolError):
    """The search engine failed (rate limit, timeout, upstream error)."""

    code = "search_failed"


class FetchRefused(ToolError):
    """The fetch policy refused the request; retrying will not help."""

    code = "fetch_refused"


class InvalidUrl(FetchRefused):
    """The URL cannot be parsed, has a scheme other than http(s) or carries credentials."""

    code = "invalid_url"


class BlockedAddress(FetchRefused):
    """The target is not a public address and its host is not in the allow list (SSRF guard)."""

    code = "blocked_address"


class RobotsDisallowed(FetchRefused):
    """The site's robots.txt does not allow this URL for our user agent."""

    code = "robots_disallowed"


class UnsupportedContent(FetchRefused):
    """The response is of a content type the tools do not read (binary, images, ...)."""

    code = "unsupported_content_type"


class TooLarge(FetchRefused):
    """The response body exceeds the configured byte limit."""

    code = "too_large"


class TooManyRedirects(FetchRefused):
    """The redirect chain is longer than the configured maximum."""

    code = "too_many_redirects"


class FetchFailed(ToolError):
    """The network or the remote server failed; a later retry may succeed."""

    code = "fetch_failed"


class FetchTimeout(FetchFailed):
    """Connecting or reading took longer than the configured timeouts."""

    code = "fetch_timeout"


class UpstreamStatus(FetchFailed):
    """The remote server answered with an HTTP error status."""

    code = "upstream_status"
