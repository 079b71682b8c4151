"""Name resolution for fetches, and the aiohttp resolver that pins connections to checked IPs.

The guard resolves a host once and validates every answer; the connection must then go to one
of those answers. `PinnedResolver` never asks DNS: it returns only what the guard pinned for the
current task, so a second, different DNS answer (DNS rebinding) cannot be used.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from typing import Protocol

from aiohttp.abc import AbstractResolver, ResolveResult

from server.tools.addresses import IPAddress, parse_ip_host


class Resolver(Protocol):
    """Turns a host name into its addresses; tests inject one with fixed answers."""

    async def resolve(self, host: str) -> list[IPAddress]: ...


class SystemResolver:
    """The operating system's resolver, off the event loop through `getaddrinfo`."""

    async def resolve(self, host: str) -> list[IPAddress]:
        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        addresses: list[IPAddress] = []
        for _family, _type, _proto, _name, sockaddr in infos:
            ip = parse_ip_host(str(sockaddr[0]))
            if ip is not None and ip not in addresses:
                addresses.append(ip)
        return addresses


_PINS: ContextVar[Mapping[str, Sequence[IPAddress]] | None] = ContextVar(
    "auro_fetch_pins", default=None
)


def pin(host: str, addresses: Sequence[IPAddress]) -> None:
    """Allow connections to `host` from the current task only to these checked addresses."""
    _PINS.set({**(_PINS.get() or {}), host: tuple(addresses)})


class PinnedResolver(AbstractResolver):
    """aiohttp resolver that answers only with addresses pinned by the guard, never DNS."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        addresses = (_PINS.get() or {}).get(host)
        if not addresses:
            raise OSError(f"{host} was not checked before connecting")
        return [
            ResolveResult(
                hostname=host,
                host=str(ip),
                port=port,
                family=socket.AF_INET6 if ip.version == 6 else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for ip in addresses
        ]

    async def close(self) -> None:
        """Nothing to release: no sockets or threads are held."""
