"""`/mcp`: the MCP server over streamable HTTP, on the sidecar's port and event loop.

It sits behind the same middlewares as the REST API (Host check, CORS, rate limit, bearer
token, body size, stream slots), so a refused request gets the same JSON error and status.
The route is left out of `/openapi.json`: it speaks MCP (docs/mcp.md), not REST.
AURO_MCP_HTTP=false answers 404, read on each request like every other setting.
"""

from __future__ import annotations

from aiohttp import web
from mcp.server.transport_security import TransportSecuritySettings

from server.http.errors import ApiError
from server.http.openapi import hidden
from server.mcp.app import build_mcp_server
from server.mcp.http import McpHttpEndpoint
from server.mcp.local import LocalBackend
from server.services import Services

MCP_PATH = "/mcp"
MCP = web.AppKey("auro_mcp", McpHttpEndpoint)


def endpoint_for(services: Services) -> McpHttpEndpoint:
    """The MCP server over this process's services, with the SDK's session manager."""
    server = build_mcp_server(LocalBackend(services))
    # Builds the SDK's session manager (its Starlette app around it is not used): sessions
    # idle for 30 minutes are closed; event streams, so progress reaches the client live.
    server.streamable_http_app(
        json_response=False,
        max_request_body_size=services.settings.http_max_body_bytes,
        # The sidecar's Host check and CORS ran already; the SDK's copy would not know
        # AURO_HTTP_ALLOWED_HOSTS.
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    return McpHttpEndpoint(server.session_manager)


def add_routes(app: web.Application, services: Services) -> None:
    endpoint = endpoint_for(services)
    app[MCP] = endpoint

    @hidden
    async def mcp_endpoint(request: web.Request) -> web.StreamResponse:
        """MCP over streamable HTTP (docs/mcp.md)."""
        if not services.settings.mcp_http:
            return ApiError(
                404, "not_found", "MCP over HTTP is off here (AURO_MCP_HTTP=false)"
            ).response()
        try:
            return await endpoint.handle(request)
        except ApiError as exc:  # e.g. a chunked body past the size limit
            return exc.response()

    for method in ("GET", "POST", "DELETE"):
        app.router.add_route(method, MCP_PATH, mcp_endpoint)

    async def start(_: web.Application) -> None:
        await endpoint.start()

    async def stop(_: web.Application) -> None:
        await endpoint.stop()  # on shutdown: before aiohttp waits for open handlers

    app.on_startup.append(start)
    app.on_shutdown.append(stop)
