"""Tool limits in one frozen model: Settings supplies what it knows, the rest has defaults."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from server.config import Settings
from server.version import __version__

USER_AGENT = f"Auro-PAI/{__version__} (+https://github.com/auro-pai)"


class ToolsConfig(BaseModel):
    """Every knob of web search and URL fetching; safe values by default."""

    model_config = ConfigDict(frozen=True)

    search_enabled: bool = True
    search_engine: str = "duckduckgo"
    search_timeout: float = Field(10.0, gt=0, description="Seconds one search may take")
    max_results: int = Field(20, ge=1, le=20, description="Hard cap on search results")

    max_bytes: int = Field(2_000_000, gt=0, description="Largest response body, in bytes")
    allow_hosts: tuple[str, ...] = Field((), description="host[:port] that may be private")
    respect_robots: bool = True
    user_agent: str = USER_AGENT
    connect_timeout: float = Field(5.0, gt=0, description="Seconds to open a connection")
    read_timeout: float = Field(10.0, gt=0, description="Seconds allowed between body reads")
    fetch_timeout: float = Field(20.0, gt=0, description="Seconds for one fetch, all hops")
    max_redirects: int = Field(5, ge=0, le=20)
    text_budget: int = Field(20_000, gt=0, description="Characters of page text kept")

    cache_ttl: float = Field(600.0, ge=0, description="Seconds a fetched page is reused")
    cache_size: int = Field(128, ge=0, description="Fetched pages kept in memory")
    global_rate: float = Field(10.0, gt=0, description="Fetches per second, all hosts")
    host_rate: float = Field(2.0, gt=0, description="Fetches per second to one host")

    fetch_top_max: int = Field(5, ge=1, le=10, description="Most pages search-and-fetch reads")
    search_fetch_deadline: float = Field(30.0, gt=0, description="Seconds for search-and-fetch")

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> ToolsConfig:
        """Take the tool fields the global Settings defines; `overrides` set the others."""
        values: dict[str, Any] = {
            "search_enabled": settings.web_search_enabled,
            "search_engine": settings.web_search_engine,
            "max_bytes": settings.fetch_max_bytes,
            "allow_hosts": tuple(settings.fetch_allow_hosts),
            "respect_robots": settings.fetch_respect_robots,
            "connect_timeout": settings.fetch_connect_timeout,
            "read_timeout": settings.fetch_read_timeout,
            "fetch_timeout": settings.fetch_timeout,
            "max_redirects": settings.fetch_max_redirects,
            "text_budget": settings.fetch_text_budget,
            "cache_ttl": settings.fetch_cache_ttl,
            "cache_size": settings.fetch_cache_size,
            "global_rate": settings.fetch_global_rate,
            "host_rate": settings.fetch_host_rate,
            "search_timeout": settings.web_search_timeout,
            "fetch_top_max": settings.search_fetch_top_max,
            "search_fetch_deadline": settings.search_fetch_deadline,
        }
        return cls(**{**values, **overrides})
