"""Politeness and reuse: per-host and global request rates, and a bounded TTL cache."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

from aiolimiter import AsyncLimiter

K = TypeVar("K")
V = TypeVar("V")

_MAX_HOST_LIMITERS = 1024


def _limiter(per_second: float) -> AsyncLimiter:
    """A leaky bucket of `per_second` requests; rates below one still admit one request."""
    burst = max(1.0, per_second)
    return AsyncLimiter(burst, burst / per_second)


class RateLimits:
    """Waits so no host sees more than `host_rate` and all hosts no more than `global_rate`."""

    def __init__(self, global_rate: float, host_rate: float):
        self._global = _limiter(global_rate)
        self._host_rate = host_rate
        self._hosts: OrderedDict[str, AsyncLimiter] = OrderedDict()

    def _for_host(self, host: str) -> AsyncLimiter:
        limiter = self._hosts.pop(host, None) or _limiter(self._host_rate)
        self._hosts[host] = limiter
        if len(self._hosts) > _MAX_HOST_LIMITERS:
            self._hosts.popitem(last=False)
        return limiter

    async def acquire(self, host: str) -> None:
        await self._for_host(host).acquire()
        await self._global.acquire()


class TtlCache(Generic[K, V]):
    """At most `size` entries, each kept for `ttl` seconds; the least recently used goes first."""

    def __init__(self, size: int, ttl: float, clock: Callable[[], float] = time.monotonic):
        self._size = size
        self._ttl = ttl
        self._clock = clock
        self._items: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def get(self, key: K) -> V | None:
        item = self._items.get(key)
        if item is None:
            return None
        expires, value = item
        if self._clock() >= expires:
            del self._items[key]
            return None
        self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        if self._size <= 0 or self._ttl <= 0:
            return
        self._items[key] = (self._clock() + self._ttl, value)
        self._items.move_to_end(key)
        while len(self._items) > self._size:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)
