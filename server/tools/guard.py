"""The SSRF gate: every URL, including each redirect hop, passes `UrlGuard.check` first."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from yarl import URL

from server.tools.addresses import IPAddress, blocked_reason, parse_ip_host
from server.tools.errors import BlockedAddress, FetchFailed, InvalidUrl
from server.tools.resolver import Resolver

log = logging.getLogger(__name__)

SCHEMES = frozenset({"http", "https"})
MAX_LABEL = 63  # RFC 1035 limits, in the ASCII (punycode) form
MAX_NAME = 253


@dataclass(frozen=True)
class Target:
    """A checked URL and the only addresses a connection to it may use."""

    url: URL
    host: str
    port: int
    addresses: tuple[IPAddress, ...]


def _split_host_port(entry: str) -> tuple[str, int | None]:
    """`host`, `host:port`, `[v6]:port` or a bare IPv6 address."""
    entry = entry.strip().lower()
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else None
    if entry.count(":") == 1:
        host, port = entry.split(":")
        return host, int(port)
    return entry, None


def _canonical_host(host: str) -> str:
    """Lower case, no trailing dot, IP literals in their one canonical spelling."""
    host = host.lower().rstrip(".")
    try:
        ip = parse_ip_host(host)
    except ValueError:
        return host
    return str(ip) if ip is not None else host


def _check_dns_name(host: str, url: URL) -> None:
    """Refuse names DNS cannot carry (the resolver's IDNA step would fail on them later)."""
    name = host.rstrip(".")
    labels = name.split(".")
    if len(name) > MAX_NAME or any(not 1 <= len(label) <= MAX_LABEL for label in labels):
        raise InvalidUrl(
            f"the host is not a valid DNS name: each label 1-{MAX_LABEL} characters, "
            f"at most {MAX_NAME} in all",
            {"url": str(url), "host": host[:300]},
        )


class AllowList:
    """Hosts the user named as reachable even though they resolve to private addresses."""

    def __init__(self, entries: Iterable[str]):
        self._entries: set[tuple[str, int | None]] = set()
        for entry in entries:
            try:
                host, port = _split_host_port(entry)
            except ValueError:
                log.warning("ignoring fetch allow-list entry %r: not host or host:port", entry)
                continue
            self._entries.add((_canonical_host(host), port))

    def allows(self, host: str, port: int) -> bool:
        host = _canonical_host(host)
        return (host, None) in self._entries or (host, port) in self._entries


class UrlGuard:
    """Refuses anything but http(s) to public addresses, unless the host is allow-listed."""

    def __init__(self, resolver: Resolver, allow: AllowList):
        self._resolver = resolver
        self._allow = allow

    async def check(self, raw: str | URL) -> Target:
        url = self._parse(raw)
        host = shown = url.raw_host or ""
        port = url.port or 0
        allowed = self._allow.allows(host, port)
        try:
            literal = parse_ip_host(host)
        except ValueError as exc:
            raise BlockedAddress(f"refused {host}: {exc}", {"url": str(url)}) from exc
        if literal is not None:
            host = str(literal)
            url = url.with_host(host)
            addresses = [literal]
        else:
            _check_dns_name(host, url)
            addresses = await self._named(host, allowed)
        if not allowed:
            for ip in addresses:
                reason = blocked_reason(ip)
                if reason:
                    raise BlockedAddress(
                        f"refused {shown}: {ip} is {reason}",
                        {"url": str(url), "address": str(ip)},
                    )
        return Target(url, host, port, tuple(addresses))

    @staticmethod
    def _parse(raw: str | URL) -> URL:
        try:
            url = raw if isinstance(raw, URL) else URL(raw.strip())
        except (TypeError, ValueError) as exc:
            raise InvalidUrl(f"not a valid URL: {exc}", {"url": str(raw)}) from exc
        if url.scheme not in SCHEMES:
            raise InvalidUrl(
                f"scheme {url.scheme or '(none)'!r} is not fetched; only http and https",
                {"url": str(raw)},
            )
        if not url.raw_host:
            raise InvalidUrl("the URL has no host", {"url": str(raw)})
        if "%" in url.raw_host:
            raise InvalidUrl("hosts with zones or escapes are not fetched", {"url": str(raw)})
        if url.raw_user is not None or url.raw_password is not None:
            raise InvalidUrl("URLs with credentials are not fetched", {"url": str(raw)})
        return url.with_fragment(None)

    async def _named(self, host: str, allowed: bool) -> list[IPAddress]:
        """Every DNS answer for a name; `localhost` names are loopback and need the allow list."""
        name = host.rstrip(".")
        if (name == "localhost" or name.endswith(".localhost")) and not allowed:
            raise BlockedAddress(f"refused {host}: localhost names are loopback", {"host": host})
        return await self._lookup(host)

    async def _lookup(self, host: str) -> list[IPAddress]:
        try:
            addresses = await self._resolver.resolve(host)
        except OSError as exc:
            raise FetchFailed(f"cannot resolve {host}: {exc}", {"host": host}) from exc
        if not addresses:
            raise FetchFailed(f"cannot resolve {host}: no addresses", {"host": host})
        return addresses
