"""The REST endpoints through aiohttp's test client: results, 422s and refusals as JSON."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from server.http import tools_api
from server.http.app import json_errors
from server.tools import ToolService
from tests.tools.local_web import FakeEngine, MakeService, Site

Client = Callable[[ToolService], Any]


@pytest.fixture
async def client() -> AsyncIterator[Client]:
    clients: list[TestClient] = []

    async def start(tools: ToolService) -> TestClient:
        app = web.Application(middlewares=[json_errors])
        tools_api.add_routes(app, tools)
        test_client = TestClient(TestServer(app))
        await test_client.start_server()
        clients.append(test_client)
        return test_client

    yield start
    for test_client in clients:
        await test_client.close()


async def test_search_returns_results(client: Client, make_service: MakeService) -> None:
    http = await client(make_service())
    response = await http.post("/api/v1/tools/search", json={"query": "py", "max_results": 3})
    assert response.status == 200
    body = await response.json()
    assert len(body["results"]) == 3
    assert set(body["results"][0]) == {"title", "url", "snippet"}


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("/api/v1/tools/search", {"query": "py", "max_results": 21}, "max_results"),
        ("/api/v1/tools/search", {"max_results": 3}, "query"),
        ("/api/v1/tools/search", {"query": "py", "safesearch": "maybe"}, "safesearch"),
        ("/api/v1/tools/fetch", {"link": "http://x"}, "url"),
        ("/api/v1/tools/search-and-fetch", {"query": "py", "fetch_top": 99}, "fetch_top"),
        ("/api/v1/tools/fetch", ["not", "an", "object"], "body"),
    ],
)
async def test_invalid_bodies_name_the_field(
    client: Client, make_service: MakeService, path: str, payload: Any, field: str
) -> None:
    http = await client(make_service())
    response = await http.post(path, json=payload)
    assert response.status == 422
    error = (await response.json())["error"]
    assert error["code"] == "invalid_request"
    assert field in error["message"]
    assert any(d["field"] == field for d in error["details"])


async def test_malformed_json_is_422(client: Client, make_service: MakeService) -> None:
    http = await client(make_service())
    response = await http.post("/api/v1/tools/fetch", data=b"{not json")
    assert response.status == 422
    assert (await response.json())["error"]["code"] == "invalid_json"


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("http://127.0.0.1/", 403, "blocked_address"),
        ("http://169.254.169.254/latest/meta-data/", 403, "blocked_address"),
        ("http://0x7f.1/", 403, "blocked_address"),
        ("file:///etc/passwd", 400, "invalid_url"),
    ],
)
async def test_ssrf_refusals_are_json_4xx(
    client: Client, make_service: MakeService, url: str, status: int, code: str
) -> None:
    http = await client(make_service())
    response = await http.post("/api/v1/tools/fetch", json={"url": url})
    assert response.status == status
    error = (await response.json())["error"]
    assert error["code"] == code and error["message"]


async def test_disabled_search_is_503(client: Client, make_service: MakeService) -> None:
    http = await client(make_service(search_enabled=False))
    response = await http.post("/api/v1/tools/search", json={"query": "py"})
    assert response.status == 503
    assert (await response.json())["error"]["code"] == "tool_disabled"


async def test_fetch_and_content_refusals(
    client: Client, site: Site, make_service: MakeService
) -> None:
    http = await client(make_service(allow_hosts=(site.host,), max_bytes=1000))
    response = await http.post("/api/v1/tools/fetch", json={"url": site.url("/page")})
    assert response.status == 200
    page = await response.json()
    assert page["title"] == "Guide Page" and "# Install guide" in page["text"]

    for path, status, code in [
        ("/image", 415, "unsupported_content_type"),
        ("/big-declared", 413, "too_large"),
        ("/missing", 502, "upstream_status"),
    ]:
        response = await http.post("/api/v1/tools/fetch", json={"url": site.url(path)})
        assert response.status == status
        assert (await response.json())["error"]["code"] == code


async def test_search_and_fetch_endpoint(
    client: Client, site: Site, make_service: MakeService
) -> None:
    engine = FakeEngine([site.url("/text"), "http://192.168.1.1/"])
    http = await client(make_service(engine=engine, allow_hosts=(site.host,)))
    response = await http.post(
        "/api/v1/tools/search-and-fetch", json={"query": "q", "max_results": 5, "fetch_top": 2}
    )
    assert response.status == 200
    body = await response.json()
    assert [p["url"] for p in body["pages"]] == [site.url("/text")]
    assert body["failures"] == [
        {
            "url": "http://192.168.1.1/",
            "code": "blocked_address",
            "message": body["failures"][0]["message"],
        }
    ]
