"""The API about the API: `/openapi.json`, Swagger UI at `/docs`, ReDoc at `/redoc`, `/metrics`.

The docs UIs are served from files inside the package (`server/http/static`, vendored from
npm by `deploy/vendor-docs-assets.sh`); their pages name no other host. The HTML shells and
their assets are static and public (a browser cannot attach a bearer token to a page load);
the API description itself needs the token, which the pages take from the URL fragment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web

from server.http import openapi
from server.http.metrics import CONTENT_TYPE, Metrics
from server.http.routing import RouteTable, public

STATIC = Path(__file__).parent / "static"
ASSETS = {
    "swagger-ui-bundle.js": "application/javascript",
    "swagger-ui.css": "text/css",
    "redoc.standalone.js": "application/javascript",
    "swagger-init.js": "application/javascript",
    "redoc-init.js": "application/javascript",
    "docs-token.js": "application/javascript",
}
METRICS = web.AppKey("auro_metrics", Metrics)
OPENAPI = web.AppKey("auro_openapi", dict)
# The pages load only their own scripts and styles; no other origin, no inline script.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)

TOKEN_FORM = """<form id="auro-token" style="font:14px sans-serif;padding:8px;background:#fafafa">
  <label>API token <input name="token" type="password" autocomplete="off" size="48"></label>
  <button type="submit">Use token</button>
  <small>(shown by <code>auro-pai serve</code>; kept in this page's URL fragment only)</small>
</form>"""

SWAGGER_PAGE = f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Auro-PAI API - Swagger UI</title>
  <link rel="stylesheet" href="/docs/static/swagger-ui.css">
</head>
<body>
{TOKEN_FORM}
<div id="swagger-ui"></div>
<script src="/docs/static/docs-token.js"></script>
<script src="/docs/static/swagger-ui-bundle.js"></script>
<script src="/docs/static/swagger-init.js"></script>
</body>
</html>
"""

REDOC_PAGE = f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Auro-PAI API - ReDoc</title>
</head>
<body style="margin:0">
{TOKEN_FORM}
<div id="redoc"></div>
<script src="/docs/static/docs-token.js"></script>
<script src="/docs/static/redoc.standalone.js"></script>
<script src="/docs/static/redoc-init.js"></script>
</body>
</html>
"""

routes = RouteTable("meta", "The API description, its documentation pages and metrics")


def _page(html: str) -> web.Response:
    return web.Response(
        text=html,
        content_type="text/html",
        headers={"Content-Security-Policy": CSP, "Cache-Control": "no-store"},
    )


@routes.get("/openapi.json", response=dict[str, Any], summary="This API's OpenAPI 3.1 document")
async def openapi_json(request: web.Request) -> web.Response:
    return web.json_response(request.app[OPENAPI])


async def _build_openapi(app: web.Application) -> None:
    """Built once at startup, when every module has added its routes."""
    app[OPENAPI] = openapi.build(app)


@routes.get(
    "/docs",
    public=True,
    media_type="text/html",
    summary="Swagger UI (static page; the token goes in #token=...)",
)
async def swagger_ui(_: web.Request) -> web.Response:
    return _page(SWAGGER_PAGE)


@routes.get(
    "/redoc",
    public=True,
    media_type="text/html",
    summary="ReDoc (static page; the token goes in #token=...)",
)
async def redoc(_: web.Request) -> web.Response:
    return _page(REDOC_PAGE)


@routes.get("/metrics", media_type="text/plain", summary="Prometheus metrics")
async def metrics(request: web.Request) -> web.Response:
    body = request.app[METRICS].render()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


@openapi.hidden
@public
async def asset(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name not in ASSETS:
        raise web.HTTPNotFound()
    return web.FileResponse(
        STATIC / name,
        headers={"Content-Type": ASSETS[name], "Cache-Control": "public, max-age=3600"},
    )


DOC_PAGES = ("/docs", "/redoc")


def add_routes(app: web.Application, metrics_: Metrics) -> None:
    app[METRICS] = metrics_
    routes.add_to(app)
    app.router.add_get("/docs/static/{name}", asset, allow_head=False)
    app.on_startup.append(_build_openapi)
