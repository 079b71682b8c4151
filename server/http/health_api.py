"""Health probes: component detail, readiness (index store open) and liveness."""

from __future__ import annotations

from aiohttp import web

from server.health import ComponentHealth
from server.services import Services
from server.version import __version__

SEVERITY = {"ok": 0, "unconfigured": 0, "degraded": 1, "down": 2}


def overall(components: dict[str, ComponentHealth]) -> str:
    worst = max((SEVERITY[c.status] for c in components.values()), default=0)
    return ["ok", "degraded", "down"][worst]


def add_routes(app: web.Application, services: Services) -> None:
    async def health(_: web.Request) -> web.Response:
        components = await services.health()
        return web.json_response(
            {
                "status": overall(components),
                "version": __version__,
                "components": {name: c.to_json() for name, c in components.items()},
            }
        )

    async def readiness(_: web.Request) -> web.Response:
        ready = services.ready()
        return web.json_response(
            {"status": "ready" if ready else "not_ready"}, status=200 if ready else 503
        )

    async def liveness(_: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    app.router.add_get("/api/v1/health", health)
    app.router.add_get("/api/v1/health/readiness", readiness)
    app.router.add_get("/api/v1/health/liveness", liveness)
