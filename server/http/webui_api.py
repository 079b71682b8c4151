"""The browser UI: a static page set (server/webui) at `/`, its assets under `/ui/`.

The page and its assets are public (a browser cannot attach a bearer token to a page load);
every API call the page makes sends `Authorization: Bearer <token>`. The token comes from the
URL fragment (`/#token=...`, never sent to the server) or is pasted into the page once, which
keeps it in the browser's localStorage for this origin.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from server.http import openapi
from server.http.routing import RouteTable, public

WEBUI = Path(__file__).resolve().parent.parent / "webui"
JS = "application/javascript; charset=utf-8"
CSS = "text/css; charset=utf-8"
SVG = "image/svg+xml"
# A fixed list: no path from the request reaches the disk. The page's own ES modules
# (app.js imports the rest) are listed here one by one; vendor/ is written by
# deploy/vendor-webui-assets.sh (versions in vendor/VERSIONS).
ASSETS = {
    "app.js": JS,
    "api.js": JS,
    "attachments.js": JS,
    "chat.js": JS,
    "citations.js": JS,
    "codeview.js": JS,
    "conversation.js": JS,
    "dom.js": JS,
    "layout.js": JS,
    "render.js": JS,
    "search.js": JS,
    "sessions.js": JS,
    "signin.js": JS,
    "sse.js": JS,
    "status.js": JS,
    "token.js": JS,
    "transcript.js": JS,
    "style.css": CSS,
    "favicon.svg": SVG,
    "vendor/marked.min.js": JS,
    "vendor/purify.min.js": JS,
    "vendor/highlight.min.js": JS,
    "vendor/highlight-light.min.css": CSS,
    "vendor/highlight-dark.min.css": CSS,
}
# Only the page's own files; no inline script or style, no other origin, no framing.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",
}

routes = RouteTable("webui", "The browser UI (static files; its API calls carry the token)")


@routes.get(
    "/",
    public=True,
    media_type="text/html",
    summary="The web UI (static page; the token goes in #token=... or is pasted once)",
)
async def index(_: web.Request) -> web.StreamResponse:
    return web.FileResponse(
        WEBUI / "index.html", headers={**HEADERS, "Content-Type": "text/html; charset=utf-8"}
    )


@openapi.hidden
@public
async def asset(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name not in ASSETS:
        raise web.HTTPNotFound()
    return web.FileResponse(WEBUI / name, headers={**HEADERS, "Content-Type": ASSETS[name]})


@openapi.hidden
@public
async def favicon(_: web.Request) -> web.StreamResponse:
    """Browsers ask for /favicon.ico on their own, without the token: answer with the icon."""
    return web.FileResponse(WEBUI / "favicon.svg", headers={**HEADERS, "Content-Type": SVG})


def add_routes(app: web.Application) -> None:
    routes.add_to(app)
    app.router.add_get("/ui/{name:.+}", asset, allow_head=False)
    app.router.add_get("/favicon.ico", favicon, allow_head=False)
