"""Rate limiting and the page cache."""

from __future__ import annotations

import time

from server.tools.limits import RateLimits, TtlCache
from tests.tools.local_web import MakeService, Site


async def test_host_limiter_delays_beyond_the_rate() -> None:
    limits = RateLimits(global_rate=1000.0, host_rate=4.0)
    started = time.monotonic()
    for _ in range(4):
        await limits.acquire("a.example")
    assert time.monotonic() - started < 0.1
    await limits.acquire("other.example")
    assert time.monotonic() - started < 0.1
    await limits.acquire("a.example")
    assert time.monotonic() - started >= 0.15


async def test_global_limiter_spans_hosts() -> None:
    limits = RateLimits(global_rate=2.0, host_rate=1000.0)
    started = time.monotonic()
    for host in ("a", "b", "c"):
        await limits.acquire(host)
    assert time.monotonic() - started >= 0.3


async def test_slow_rate_still_admits_one_request() -> None:
    limits = RateLimits(global_rate=0.5, host_rate=0.5)
    started = time.monotonic()
    await limits.acquire("a")
    assert time.monotonic() - started < 0.1


def test_cache_expires_and_evicts_least_recent() -> None:
    now = [0.0]
    cache: TtlCache[str, int] = TtlCache(size=2, ttl=10.0, clock=lambda: now[0])
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    cache.put("c", 3)
    assert cache.get("b") is None and cache.get("a") == 1 and len(cache) == 2
    now[0] = 10.0
    assert cache.get("a") is None


async def test_second_fetch_is_served_from_cache(site: Site, make_service: MakeService) -> None:
    now = [0.0]
    service = make_service(
        allow_hosts=(site.host,), respect_robots=False, cache_ttl=60.0, clock=lambda: now[0]
    )
    first = await service.fetch(site.url("/text"))
    second = await service.fetch(site.url("/text"))
    assert second == first and site.hits["/text"] == 1
    now[0] = 61.0
    await service.fetch(site.url("/text"))
    assert site.hits["/text"] == 2


async def test_service_fetches_wait_for_the_host_limiter(
    site: Site, make_service: MakeService
) -> None:
    service = make_service(
        allow_hosts=(site.host,), respect_robots=False, cache_size=0, host_rate=5.0
    )
    started = time.monotonic()
    for _ in range(6):
        await service.fetch(site.url("/text"))
    assert time.monotonic() - started >= 0.15
    assert site.hits["/text"] == 6
