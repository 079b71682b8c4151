"""How much a client may send: requests per second per address, body size per route, and
streams at once.

Each reads the settings in force on each request (the aiohttp body cap is fixed when the app
is built; the per-route checks here always use the current values).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from server.chat.images import ImageLimits
from server.config import Settings
from server.http.errors import json_error
from server.http.json_body import BODY_LIMIT_KEY
from server.http.routing import is_probe, route_of

log = logging.getLogger(__name__)

STREAM_RETRY_AFTER = 5
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class TokenBucket:
    __slots__ = ("tokens", "stamp")

    def __init__(self, tokens: float, stamp: float):
        self.tokens = tokens
        self.stamp = stamp


class RateLimiter:
    """A token bucket per client address: `rate` per second, up to `burst` at once."""

    MAX_CLIENTS = 10_000

    def __init__(
        self, settings: Callable[[], Settings], clock: Callable[[], float] = time.monotonic
    ):
        self._settings = settings
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}

    def take(self, client: str) -> float:
        """0 if the request may go now, else the seconds until it could."""
        rate, burst = self._settings().http_rate_limit, self._settings().http_rate_burst
        now = self._clock()
        bucket = self._buckets.get(client)
        if bucket is None:
            if len(self._buckets) >= self.MAX_CLIENTS:
                self._prune(now, rate, burst)
            bucket = self._buckets[client] = TokenBucket(float(burst), now)
        bucket.tokens = min(float(burst), bucket.tokens + (now - bucket.stamp) * rate)
        bucket.stamp = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / rate

    def _prune(self, now: float, rate: float, burst: int) -> None:
        full = [k for k, b in self._buckets.items() if b.tokens + (now - b.stamp) * rate >= burst]
        for key in full:
            del self._buckets[key]
        while len(self._buckets) >= self.MAX_CLIENTS:  # still full: forget the oldest
            del self._buckets[next(iter(self._buckets))]

    def middleware(self):
        @web.middleware
        async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
            if is_probe(request):
                return await handler(request)
            wait = self.take(request.remote or "local")
            if wait > 0:
                retry = max(1, math.ceil(wait))
                return json_error(
                    429,
                    "rate_limited",
                    f"too many requests; retry in {retry}s",
                    headers={"Retry-After": str(retry)},
                )
            return await handler(request)

        return middleware


def largest_body(settings: Settings, images: bool) -> int:
    """AURO_HTTP_MAX_BODY_BYTES, plus room for the allowed images on a route that takes them."""
    extra = ImageLimits.from_settings(settings).base64_bytes() if images else 0
    return settings.http_max_body_bytes + extra


def body_limit(settings: Callable[[], Settings]):
    """413 as soon as a declared Content-Length exceeds the route's limit."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        route = route_of(request)
        limit = largest_body(settings(), route is not None and route.images)
        if request.content_length is not None and request.content_length > limit:
            return json_error(413, "body_too_large", f"request body larger than {limit} bytes")
        request[BODY_LIMIT_KEY] = limit  # a chunked body is counted as it is read
        return await handler(request)

    return middleware


class StreamSlots:
    """At most AURO_HTTP_MAX_STREAMS streaming responses at once; 429 + Retry-After beyond."""

    def __init__(self, settings: Callable[[], Settings]):
        self._settings = settings
        self.active = 0

    @staticmethod
    def is_stream(request: web.Request) -> bool:
        route = route_of(request)
        if route is not None and route.stream:
            return True
        return "text/event-stream" in request.headers.get("Accept", "")

    def middleware(self):
        @web.middleware
        async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
            if not self.is_stream(request):
                return await handler(request)
            if self.active >= self._settings().http_max_streams:
                return json_error(
                    429,
                    "too_many_streams",
                    "too many streaming responses at once; retry shortly",
                    headers={"Retry-After": str(STREAM_RETRY_AFTER)},
                )
            self.active += 1
            try:
                return await handler(request)
            finally:
                self.active -= 1

        return middleware
