"""Web search engines behind one Protocol, chosen by name from a small registry."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, Protocol

from server.tools.config import ToolsConfig
from server.tools.errors import SearchFailed
from server.tools.models import SearchOptions, SearchResult

log = logging.getLogger(__name__)


class SearchEngine(Protocol):
    """Anything that turns a query into ranked results; it must not block the event loop."""

    name: str

    async def search(self, query: str, options: SearchOptions) -> list[SearchResult]: ...


class TextSearchBackend(Protocol):
    """The part of `ddgs.DDGS` we use; tests pass a fake."""

    def text(self, query: str, **kwargs: Any) -> list[dict[str, Any]]: ...


def _default_backend(timeout: float) -> TextSearchBackend:
    from ddgs import DDGS

    return DDGS(timeout=max(1, round(timeout)))


class DuckDuckGoEngine:
    """DuckDuckGo through `ddgs`, whose blocking client runs in a worker thread."""

    name = "duckduckgo"

    def __init__(
        self,
        config: ToolsConfig,
        backend: Callable[[], TextSearchBackend] | None = None,
    ):
        self._timeout = config.search_timeout
        self._backend = backend or (lambda: _default_backend(config.search_timeout))

    def _search_sync(self, query: str, options: SearchOptions) -> list[dict[str, Any]]:
        from ddgs.exceptions import DDGSException

        try:
            return self._backend().text(
                query,
                region=options.region,
                safesearch=options.safesearch,
                timelimit=options.timelimit,
                max_results=options.max_results,
                backend="duckduckgo",
            )
        except DDGSException as exc:
            if str(exc).startswith("No results"):
                return []
            raise SearchFailed(f"{self.name} search failed: {exc}") from exc

    async def search(self, query: str, options: SearchOptions) -> list[SearchResult]:
        try:
            async with asyncio.timeout(self._timeout):
                rows = await asyncio.to_thread(self._search_sync, query, options)
        except TimeoutError as exc:
            raise SearchFailed(f"{self.name} search timed out after {self._timeout}s") from exc
        results = []
        for row in rows:
            url = str(row.get("href") or row.get("url") or "")
            if url:
                results.append(
                    SearchResult(
                        title=str(row.get("title") or url),
                        url=url,
                        snippet=str(row.get("body") or row.get("snippet") or ""),
                    )
                )
        return results


EngineFactory = Callable[[ToolsConfig], SearchEngine]

ENGINES: dict[str, EngineFactory] = {DuckDuckGoEngine.name: DuckDuckGoEngine}


def create_engine(config: ToolsConfig) -> SearchEngine | None:
    """The engine named by the config, or None when the name is not registered."""
    factory = ENGINES.get(config.search_engine.strip().lower())
    if factory is None:
        log.warning("unknown web search engine %r; known: %s", config.search_engine, list(ENGINES))
        return None
    return factory(config)
