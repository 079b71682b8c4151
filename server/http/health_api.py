"""Health probes: component detail, readiness (index store open) and liveness."""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import BaseModel

from server.health import ComponentHealth, Status, worst
from server.http.routing import RouteTable, services_of
from server.services import Services
from server.version import __version__

LIVENESS = "/api/v1/health/liveness"
READINESS = "/api/v1/health/readiness"

routes = RouteTable("health", "Component health and the liveness/readiness probes")


class Component(BaseModel):
    status: Status
    reason: str = ""


class HealthResponse(BaseModel):
    status: Literal["ok", "degraded", "down"]
    version: str
    components: dict[str, Component]


class ReadinessResponse(BaseModel):
    status: Literal["ready", "not_ready"]


class LivenessResponse(BaseModel):
    status: Literal["alive"]


def overall(components: dict[str, ComponentHealth]) -> str:
    status = worst(components.values()).status
    return "ok" if status == "unconfigured" else status


@routes.get("/api/v1/health", response=HealthResponse, summary="Health of every component")
async def health(request: web.Request) -> HealthResponse:
    """Each component (llm, index, vector_store, embeddings, tools) with a reason to act on."""
    components = await services_of(request).health()
    return HealthResponse(
        status=overall(components),
        version=__version__,
        components={name: Component(**c.to_json()) for name, c in components.items()},
    )


@routes.get(
    READINESS,
    response=ReadinessResponse,
    probe=True,
    errors={503: ("not ready: no workspace open, or an index store is down", ReadinessResponse)},
    summary="Readiness probe (no token needed)",
)
async def readiness(request: web.Request) -> web.Response:
    """200 once every workspace's index store is open, 503 before. Reveals nothing else."""
    ready = services_of(request).ready()
    body = ReadinessResponse(status="ready" if ready else "not_ready")
    return web.json_response(body.model_dump(), status=200 if ready else 503)


@routes.get(
    LIVENESS, response=LivenessResponse, probe=True, summary="Liveness probe (no token needed)"
)
async def liveness(_: web.Request) -> LivenessResponse:
    """200 while the event loop answers."""
    return LivenessResponse(status="alive")


def add_routes(app: web.Application, services: Services) -> None:
    from server.http.routing import SERVICES

    app[SERVICES] = services
    routes.add_to(app)
