"""Health of the configured providers, per kind and overall, for `/health` and the LSP."""

from __future__ import annotations

import asyncio

from server.health import ComponentHealth
from server.llm.endpoints import Endpoint, ProviderPool
from server.llm.errors import CONFIGURE_HINT
from server.llm.factory import KNOWN_PROVIDERS, WHAT_TO_SET


async def health_report(pools: list[ProviderPool]) -> dict[str, ComponentHealth]:
    """Per provider kind; providers that are not configured say what to set."""
    names = [pool.name for pool in pools]
    report = {
        name: ComponentHealth("unconfigured", WHAT_TO_SET[name])
        for name in KNOWN_PROVIDERS
        if name not in names
    }
    for pool in pools:
        report[pool.name] = await pool_health(pool)
    return report


async def pool_health(pool: ProviderPool) -> ComponentHealth:
    """ok when any endpoint is ok; the reason names each endpoint (and its model)."""

    async def one(endpoint: Endpoint) -> ComponentHealth:
        if not endpoint.available():
            return ComponentHealth("degraded", f"{endpoint.url}: {endpoint.unavailable_reason()}")
        return await endpoint.provider.health()

    results = await asyncio.gather(*(one(e) for e in pool.endpoints))
    reason = "; ".join(r.reason for r in results)
    for status in ("ok", "degraded"):
        if any(r.status == status for r in results):
            return ComponentHealth(status, reason)
    return ComponentHealth("down", reason)


async def overall_health(pools: list[ProviderPool], hint: str) -> ComponentHealth:
    """ok: the first provider works; degraded: a fallback works; down: none works."""
    if not pools:
        return ComponentHealth("unconfigured", CONFIGURE_HINT)
    names = [pool.name for pool in pools]
    report = await health_report(pools)
    statuses = [report[name] for name in names]
    if statuses[0].status == "ok":
        return ComponentHealth("ok", f"{names[0]}: {statuses[0].reason}")
    usable = [n for n, s in zip(names, statuses, strict=True) if s.status == "ok"]
    first = f"{names[0]}: {statuses[0].reason}"
    if usable:
        return ComponentHealth("degraded", f"{first}; answering with {usable[0]}")
    if any(s.status == "degraded" for s in statuses):
        return ComponentHealth("degraded", first)
    return ComponentHealth("down", f"{first}. {hint}")


def configure_hint(pools: list[ProviderPool]) -> str:
    """What to check or configure when no provider answered."""
    names = [pool.name for pool in pools]
    missing = [WHAT_TO_SET[name] for name in KNOWN_PROVIDERS if name not in names]
    if not pools:
        return CONFIGURE_HINT
    if not missing:
        return "Check that the configured servers are running and the keys are valid."
    return "Check the servers above, or " + ", or ".join(missing) + "."
