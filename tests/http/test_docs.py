"""`/openapi.json`, Swagger UI at `/docs` and ReDoc at `/redoc`, served from the package."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from tests.support.http_app import StartApi

EXTERNAL = re.compile(r"""(?:https?:)?//[^\s"'<>)]+""")
ASSET = re.compile(r"""(?:src|href)="([^"]+)\"""")


async def test_openapi_is_31_and_covers_every_route(start_api: StartApi) -> None:
    api = await start_api()
    response = await api.client.get("/openapi.json")
    assert response.status == 401
    doc = await (await api.client.get("/openapi.json", headers=api.auth())).json()
    assert doc["openapi"] == "3.1.0"
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    paths = doc["paths"]
    for route in api.app.router.routes():
        path = route.resource.get_info().get("path") or route.resource.get_info().get("formatter")
        hidden = getattr(route.handler, "__auro_hidden__", False)  # static assets
        if route.method in ("GET", "POST", "DELETE", "PUT") and not hidden:
            assert route.method.lower() in paths[path], (route.method, path)
    assert paths["/api/v1/health/liveness"]["get"]["security"] == []
    assert paths["/api/v1/health/readiness"]["get"]["security"] == []
    assert "security" not in paths["/api/v1/health"]["get"]  # global bearer applies
    search = paths["/api/v1/tools/search"]["post"]
    body = search["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/SearchRequest"}
    assert search["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert "max_results" in doc["components"]["schemas"]["SearchRequest"]["properties"]
    assert doc["components"]["schemas"]["Error"]["properties"]["error"]


async def test_docs_pages_load_without_external_urls(start_api: StartApi) -> None:
    api = await start_api()
    for page, needs in (("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")):
        response = await api.client.get(page)  # a browser cannot send a bearer token here
        assert response.status == 200
        assert response.content_type == "text/html"
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        html = await response.text()
        assert not EXTERNAL.findall(html), EXTERNAL.findall(html)
        assets = ASSET.findall(html)
        assert any(a.endswith(needs) for a in assets)
        for asset in assets:
            assert urlsplit(asset).netloc == "" and asset.startswith("/")
            served = await api.client.get(asset)
            assert served.status == 200, asset
            body = await served.read()
            assert len(body) > 100
            if asset.endswith((".js", ".css")):
                assert served.content_type in ("application/javascript", "text/css")
            if "-init.js" in asset or "docs-token" in asset:
                assert not EXTERNAL.findall(body.decode())


async def test_unknown_asset_is_json_404(start_api: StartApi) -> None:
    api = await start_api()
    for name in ("nope.js", "..%2f..%2fconfig.py", "VERSIONS"):
        response = await api.client.get(f"/docs/static/{name}")
        assert response.status == 404
        assert (await response.json())["error"]["code"] == "not_found"
