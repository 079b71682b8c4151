"""Search through injected engines and a fake ddgs backend; never the real network."""

from __future__ import annotations

from typing import Any

import pytest
from ddgs.exceptions import DDGSException, RatelimitException

from server.tools import SearchFailed, SearchOptions, ToolDisabled, ToolsConfig, ToolService
from server.tools.search import ENGINES, DuckDuckGoEngine, create_engine
from tests.tools.local_web import FakeEngine, FakeResolver, MakeService, Site


class FakeDDGS:
    """Stands in for `ddgs.DDGS`: records the call, answers or raises as told."""

    def __init__(self, rows: list[dict[str, Any]] | None = None, error: Exception | None = None):
        self.rows = rows or []
        self.error = error
        self.kwargs: dict[str, Any] = {}

    def text(self, query: str, **kwargs: Any) -> list[dict[str, Any]]:
        self.kwargs = {"query": query, **kwargs}
        if self.error:
            raise self.error
        return self.rows


async def test_results_are_capped_at_twenty(make_service: MakeService) -> None:
    engine = FakeEngine()
    results = await make_service(engine=engine).search("python", max_results=50)
    assert len(results) == 20
    assert engine.calls[0][1].max_results == 20
    assert {"title", "url", "snippet"} <= set(results[0].model_dump())


async def test_options_reach_the_engine(make_service: MakeService) -> None:
    engine = FakeEngine()
    options = SearchOptions(region="de-de", safesearch="off", timelimit="w")
    await make_service(engine=engine).search("q", 3, options)
    sent = engine.calls[0][1]
    assert (sent.region, sent.safesearch, sent.timelimit, sent.max_results) == (
        "de-de",
        "off",
        "w",
        3,
    )


async def test_disabled_search_raises_tool_disabled(make_service: MakeService) -> None:
    service = make_service(search_enabled=False)
    with pytest.raises(ToolDisabled, match="WEB_SEARCH_ENABLED"):
        await service.search("anything")
    assert service.health().status == "unconfigured"


async def test_unknown_engine_is_disabled_with_reason() -> None:
    config = ToolsConfig(search_engine="altavista")
    assert create_engine(config) is None
    service = ToolService(config)
    with pytest.raises(ToolDisabled, match="altavista"):
        await service.search("q")
    assert service.health().status == "down"
    await service.close()


async def test_duckduckgo_engine_maps_ddgs_rows() -> None:
    backend = FakeDDGS([{"title": "Py", "href": "https://python.org", "body": "The language"}])
    engine = DuckDuckGoEngine(ToolsConfig(), backend=lambda: backend)
    options = SearchOptions(max_results=7, region="us-en", safesearch="on", timelimit="d")
    results = await engine.search("python", options)
    assert [r.model_dump() for r in results] == [
        {"title": "Py", "url": "https://python.org", "snippet": "The language"}
    ]
    assert backend.kwargs == {
        "query": "python",
        "region": "us-en",
        "safesearch": "on",
        "timelimit": "d",
        "max_results": 7,
        "backend": "duckduckgo",
    }
    assert ENGINES["duckduckgo"] is DuckDuckGoEngine


async def test_no_results_is_an_empty_list() -> None:
    backend = FakeDDGS(error=DDGSException("No results found."))
    engine = DuckDuckGoEngine(ToolsConfig(), backend=lambda: backend)
    assert await engine.search("zzz", SearchOptions()) == []


async def test_rate_limited_engine_fails_and_degrades_health() -> None:
    backend = FakeDDGS(error=RatelimitException("202 Ratelimit"))
    engine = DuckDuckGoEngine(ToolsConfig(), backend=lambda: backend)
    service = ToolService(ToolsConfig(), engine=engine)
    with pytest.raises(SearchFailed, match="Ratelimit"):
        await service.search("q")
    assert service.health().status == "degraded"
    await service.close()


async def test_search_and_fetch_keeps_partial_results(
    site: Site, make_service: MakeService
) -> None:
    engine = FakeEngine(
        [site.url("/page"), "http://10.0.0.1/", site.url("/missing"), site.url("/slow")]
    )
    service = make_service(
        engine=engine, allow_hosts=(site.host,), search_fetch_deadline=1.0, fetch_top_max=5
    )
    result = await service.search_and_fetch("guide", max_results=5, fetch_top=4)
    assert len(result.results) == 4
    assert [p.title for p in result.pages] == ["Guide Page"]
    failures = {f.url: f.code for f in result.failures}
    assert failures == {
        "http://10.0.0.1/": "blocked_address",
        site.url("/missing"): "upstream_status",
        site.url("/slow"): "deadline_exceeded",
    }


async def test_health_ok_names_engine(make_service: MakeService) -> None:
    health = make_service().health()
    assert health.status == "ok" and "fake" in health.reason


async def test_search_and_fetch_lists_a_result_dns_cannot_carry(
    site: Site, make_service: MakeService
) -> None:
    """A search hit with a 64-character label is one failure, not a crashed request."""
    bad = "http://" + "a" * 64 + ".example/"
    resolver = FakeResolver()
    service = make_service(
        engine=FakeEngine([site.url("/page"), bad]),
        resolver=resolver,
        allow_hosts=(site.host,),
    )
    result = await service.search_and_fetch("guide", max_results=2, fetch_top=2)
    assert [p.title for p in result.pages] == ["Guide Page"]
    assert {f.url: f.code for f in result.failures} == {bad: "invalid_url"}
    assert resolver.calls == []
