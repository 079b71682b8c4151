"""HTTP GET behind the SSRF guard: every hop is checked, pinned, rate limited and size capped."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass

import aiohttp
from yarl import URL

from server.tools.config import ToolsConfig
from server.tools.errors import (
    FetchFailed,
    FetchTimeout,
    InvalidUrl,
    TooLarge,
    TooManyRedirects,
    UnsupportedContent,
    UpstreamStatus,
)
from server.tools.guard import AllowList, UrlGuard
from server.tools.limits import RateLimits
from server.tools.resolver import PinnedResolver, Resolver, pin

REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class RawResponse:
    """A successful response body, not yet decoded."""

    url: URL
    content_type: str
    charset: str | None
    body: bytes


class Fetcher:
    """Owns the one aiohttp session; redirects are followed here so each hop is re-checked."""

    def __init__(self, config: ToolsConfig, resolver: Resolver, limits: RateLimits):
        self._config = config
        self._guard = UrlGuard(resolver, AllowList(config.allow_hosts))
        self._limits = limits
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                resolver=PinnedResolver(), use_dns_cache=False, limit=32, limit_per_host=4
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                trust_env=False,
                cookie_jar=aiohttp.DummyCookieJar(),
                headers={"User-Agent": self._config.user_agent},
                timeout=aiohttp.ClientTimeout(
                    total=None,
                    sock_connect=self._config.connect_timeout,
                    sock_read=self._config.read_timeout,
                ),
            )
        return self._session

    async def get(
        self,
        url: str | URL,
        accept: Collection[str],
        max_bytes: int,
        before_hop: Callable[[URL], Awaitable[None]] | None = None,
    ) -> RawResponse:
        """GET `url`, following at most `max_redirects` redirects, each through the guard.

        `before_hop` runs on every checked URL before it is requested (the robots.txt check).
        """
        current: str | URL = url
        for _ in range(self._config.max_redirects + 1):
            target = await self._guard.check(current)
            if before_hop is not None:
                await before_hop(target.url)
            pin(target.host, target.addresses)
            await self._limits.acquire(target.host)
            try:
                response = await self._request(target.url, accept, max_bytes)
            except TimeoutError as exc:
                raise FetchTimeout(f"{target.url} timed out", {"url": str(target.url)}) from exc
            except (aiohttp.ClientError, OSError) as exc:
                raise FetchFailed(f"{target.url}: {exc}", {"url": str(target.url)}) from exc
            if isinstance(response, RawResponse):
                return response
            try:
                current = target.url.join(URL(response))
            except ValueError as exc:
                raise InvalidUrl(f"bad redirect location {response!r}", {"url": str(url)}) from exc
        raise TooManyRedirects(
            f"more than {self._config.max_redirects} redirects", {"url": str(url)}
        )

    async def _request(
        self, url: URL, accept: Collection[str], max_bytes: int
    ) -> RawResponse | str:
        """The response, or the Location to follow when it is a redirect."""
        headers = {"Accept": ", ".join(sorted(accept)) + ", */*;q=0.1"}
        async with self._client().get(url, headers=headers, allow_redirects=False) as resp:
            location = resp.headers.get("Location")
            if resp.status in REDIRECTS and location:
                return location
            if resp.status >= 300:
                raise UpstreamStatus(
                    f"{url} answered HTTP {resp.status}", {"url": str(url), "status": resp.status}
                )
            declared = resp.headers.get("Content-Type")
            if declared is None or resp.content_type not in accept:
                raise UnsupportedContent(
                    f"content type {declared or '(none)'} is not read; accepted: "
                    + ", ".join(sorted(accept)),
                    {"url": str(url), "content_type": declared},
                )
            body = await self._read(resp, max_bytes)
            return RawResponse(url, resp.content_type, resp.charset, body)

    @staticmethod
    async def _read(resp: aiohttp.ClientResponse, max_bytes: int) -> bytes:
        """The body, refused as soon as it passes `max_bytes` (declared or while streaming)."""
        too_large = TooLarge(
            f"body larger than {max_bytes} bytes", {"url": str(resp.url), "limit": max_bytes}
        )
        if resp.content_length is not None and resp.content_length > max_bytes:
            raise too_large
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.content.iter_chunked(_CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise too_large
            chunks.append(chunk)
        return b"".join(chunks)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
