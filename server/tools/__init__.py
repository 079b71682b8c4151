"""Web search and SSRF-safe URL fetching for chat, REST and LSP; see docs/security.md."""

from server.tools.config import ToolsConfig
from server.tools.errors import (
    BlockedAddress,
    FetchFailed,
    FetchRefused,
    FetchTimeout,
    InvalidUrl,
    RobotsDisallowed,
    SearchFailed,
    TooLarge,
    ToolDisabled,
    ToolError,
    TooManyRedirects,
    UnsupportedContent,
    UpstreamStatus,
)
from server.tools.models import (
    FetchedPage,
    FetchFailure,
    SearchAndFetchResult,
    SearchOptions,
    SearchResult,
)
from server.tools.service import ToolService

__all__ = [
    "BlockedAddress",
    "FetchFailed",
    "FetchFailure",
    "FetchRefused",
    "FetchTimeout",
    "FetchedPage",
    "InvalidUrl",
    "RobotsDisallowed",
    "SearchAndFetchResult",
    "SearchFailed",
    "SearchOptions",
    "SearchResult",
    "ToolDisabled",
    "ToolError",
    "ToolService",
    "ToolsConfig",
    "TooLarge",
    "TooManyRedirects",
    "UnsupportedContent",
    "UpstreamStatus",
]
