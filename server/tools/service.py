"""`ToolService`: the one entry point chat, REST and LSP use for web search and URL fetching."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from server.config import Settings
from server.health import ComponentHealth
from server.tools.config import ToolsConfig
from server.tools.errors import FetchTimeout, SearchFailed, ToolDisabled, ToolError
from server.tools.fetch import Fetcher
from server.tools.limits import RateLimits, TtlCache
from server.tools.models import (
    FetchedPage,
    FetchFailure,
    SearchAndFetchResult,
    SearchOptions,
    SearchResult,
)
from server.tools.pages import ACCEPTED_TYPES, build_page
from server.tools.resolver import Resolver, SystemResolver
from server.tools.robots import RobotsPolicy
from server.tools.search import ENGINES, SearchEngine, create_engine

log = logging.getLogger(__name__)


class ToolService:
    """Search, safe fetch and both together; owns the HTTP session, limits and page cache."""

    def __init__(
        self,
        config: ToolsConfig | None = None,
        *,
        engine: SearchEngine | None = None,
        resolver: Resolver | None = None,
        clock: Callable[[], float] | None = None,
    ):
        self._build(config or ToolsConfig(), engine, resolver, clock or time.monotonic)

    def _build(
        self,
        config: ToolsConfig,
        engine: SearchEngine | None,
        resolver: Resolver | None,
        clock: Callable[[], float],
    ) -> None:
        self.config = config
        self._engine = engine or create_engine(config)
        self._limits = RateLimits(config.global_rate, config.host_rate)
        self._fetcher = Fetcher(config, resolver or SystemResolver(), self._limits)
        self._robots = RobotsPolicy(self._fetcher, config.user_agent)
        self._cache: TtlCache[str, FetchedPage] = TtlCache(
            config.cache_size, config.cache_ttl, clock
        )
        self._clock = clock
        self._last_search_error: str | None = None

    async def configure(self, settings: Settings) -> None:
        """Take new settings in place (holders keep this object): engine, limits, fetcher
        and cache start afresh from them, as at start; the old fetcher's session closes."""
        previous = self._fetcher
        self._build(ToolsConfig.from_settings(settings), None, None, self._clock)
        await previous.close()

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        engine: SearchEngine | None = None,
        resolver: Resolver | None = None,
    ) -> ToolService:
        return cls(ToolsConfig.from_settings(settings), engine=engine, resolver=resolver)

    def _search_engine(self) -> SearchEngine:
        if not self.config.search_enabled:
            raise ToolDisabled("web search is disabled (WEB_SEARCH_ENABLED=false)")
        if self._engine is None:
            raise ToolDisabled(
                f"unknown web search engine {self.config.search_engine!r}; "
                f"known: {', '.join(sorted(ENGINES))}"
            )
        return self._engine

    async def search(
        self, query: str, max_results: int = 5, options: SearchOptions | None = None
    ) -> list[SearchResult]:
        """Ranked results, at most `max_results` and never more than the configured cap."""
        engine = self._search_engine()
        limit = max(1, min(max_results, self.config.max_results))
        base = options or SearchOptions()
        options = base.model_copy(update={"max_results": limit})
        try:
            results = await engine.search(query, options)
        except SearchFailed as exc:
            self._last_search_error = exc.message
            raise
        self._last_search_error = None
        return results[:limit]

    async def fetch(self, url: str) -> FetchedPage:
        """The readable text of `url`, from cache when fresh; refusals raise `FetchRefused`."""
        cached = self._cache.get(url)
        if cached is not None:
            return cached
        try:
            async with asyncio.timeout(self.config.fetch_timeout):
                page = await self._fetch(url)
        except TimeoutError as exc:
            raise FetchTimeout(
                f"{url} took longer than {self.config.fetch_timeout}s", {"url": url}
            ) from exc
        self._cache.put(url, page)
        return page

    async def _fetch(self, url: str) -> FetchedPage:
        robots = self._robots.check if self.config.respect_robots else None
        raw = await self._fetcher.get(url, ACCEPTED_TYPES, self.config.max_bytes, robots)
        return build_page(raw, url, self.config.text_budget)

    async def search_and_fetch(
        self,
        query: str,
        max_results: int = 5,
        fetch_top: int = 3,
        options: SearchOptions | None = None,
    ) -> SearchAndFetchResult:
        """Search, then read the top `fetch_top` hits concurrently under one deadline.

        Pages that fail or miss the deadline are listed in `failures`; the others are kept.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.search_fetch_deadline
        results = await self.search(query, max_results, options)
        top = results[: max(0, min(fetch_top, self.config.fetch_top_max))]
        tasks = [asyncio.create_task(self.fetch(hit.url)) for hit in top]
        try:
            if tasks:
                await asyncio.wait(tasks, timeout=max(0.0, deadline - loop.time()))
        finally:
            late = [task for task in tasks if not task.done()]
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        pages: list[FetchedPage] = []
        failures: list[FetchFailure] = []
        for hit, task in zip(top, tasks, strict=True):
            if task.cancelled():
                failures.append(
                    FetchFailure(
                        url=hit.url, code="deadline_exceeded", message="missed the deadline"
                    )
                )
            elif (error := task.exception()) is not None:
                failures.append(_failure(hit.url, error))
            else:
                pages.append(task.result())
        return SearchAndFetchResult(query=query, results=results, pages=pages, failures=failures)

    def health(self) -> ComponentHealth:
        """Configuration state and the last search outcome; never touches the network."""
        if not self.config.search_enabled:
            return ComponentHealth("unconfigured", "web search disabled; fetch available")
        if self._engine is None:
            return ComponentHealth(
                "down", f"unknown web search engine {self.config.search_engine!r}"
            )
        if self._last_search_error:
            return ComponentHealth("degraded", self._last_search_error)
        return ComponentHealth("ok", f"{self._engine.name} search; guarded fetch")

    async def close(self) -> None:
        await self._fetcher.close()


def _failure(url: str, error: BaseException) -> FetchFailure:
    """A fetch error as data; unexpected exceptions are logged with their traceback."""
    if isinstance(error, ToolError):
        return FetchFailure(url=url, code=error.code, message=error.message)
    log.error("fetch of %s failed unexpectedly", url, exc_info=error)
    return FetchFailure(url=url, code="fetch_failed", message=type(error).__name__)
