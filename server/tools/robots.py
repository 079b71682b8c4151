"""robots.txt, fetched through the guarded fetcher and parsed once per site for a while."""

from __future__ import annotations

from urllib.robotparser import RobotFileParser

from yarl import URL

from server.tools.charset import decode
from server.tools.errors import FetchRefused, RobotsDisallowed, UpstreamStatus
from server.tools.fetch import Fetcher
from server.tools.limits import TtlCache

_ROBOTS_MAX_BYTES = 512_000
_ROBOTS_TTL = 3600.0
_ROBOTS_SITES = 256


class RobotsPolicy:
    """RFC 9309 reading: a 4xx or unusable file allows all; a 5xx disallows all, uncached."""

    def __init__(self, fetcher: Fetcher, user_agent: str):
        self._fetcher = fetcher
        self._user_agent = user_agent
        self._cache: TtlCache[str, RobotFileParser] = TtlCache(_ROBOTS_SITES, _ROBOTS_TTL)

    async def check(self, url: URL) -> None:
        """Raise `RobotsDisallowed` unless the site's robots.txt lets us read `url`."""
        origin = str(url.origin())
        parser = self._cache.get(origin) or await self._load(origin)
        if not parser.can_fetch(self._user_agent, str(url)):
            raise RobotsDisallowed(f"robots.txt of {origin} disallows {url}", {"url": str(url)})

    async def _load(self, origin: str) -> RobotFileParser:
        parser = RobotFileParser()
        try:
            raw = await self._fetcher.get(
                URL(origin) / "robots.txt", {"text/plain"}, _ROBOTS_MAX_BYTES
            )
        except UpstreamStatus as exc:
            status = exc.details.get("status", 0)
            if status >= 500:
                raise RobotsDisallowed(
                    f"robots.txt of {origin} answered HTTP {status}; that disallows all for now",
                    {"url": origin, "status": status},
                ) from exc
            parser.allow_all = True  # type: ignore[attr-defined]  # real, but not in typeshed
        except FetchRefused:
            parser.allow_all = True  # type: ignore[attr-defined]
        else:
            parser.parse(decode(raw.body, raw.charset, html=False).splitlines())
        self._cache.put(origin, parser)
        return parser
