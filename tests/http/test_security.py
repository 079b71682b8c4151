"""Hardening of the HTTP API: token, Host allow-list, CORS, limits, errors, request ids."""

from __future__ import annotations

import asyncio
import stat

import pytest
from aiohttp import web

from server.config import Settings
from server.http.routing import RouteTable
from server.http.security import (
    TOKEN_FILE,
    ExposureRefused,
    check_exposure,
    host_name,
    workspace_token,
)
from tests.support.http_app import Api, StartApi

PROTECTED = [
    ("GET", "/api/v1/health"),
    ("GET", "/openapi.json"),
    ("GET", "/metrics"),
    ("POST", "/api/v1/tools/search"),
    ("GET", "/api/v1/rag/stats"),
]


async def assert_error(response, status: int, code: str) -> dict:
    assert response.status == status
    assert response.content_type == "application/json"
    error = (await response.json())["error"]
    assert error["code"] == code, error
    assert error["message"]
    assert error["request_id"] == response.headers["X-Request-Id"]
    return error


# --- token ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), PROTECTED)
async def test_token_required(start_api: StartApi, method: str, path: str) -> None:
    api = await start_api()
    http = api.client
    for headers in (
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Basic {api.token}"},
        {"Authorization": "Bearer "},
    ):
        response = await http.request(method, path, headers=headers, json={"query": "q"})
        await assert_error(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    response = await http.request(method, path, headers=api.auth(), json={"query": "q"})
    assert response.status == 200, await response.text()


async def test_probes_need_no_token_and_reveal_nothing(start_api: StartApi) -> None:
    api = await start_api()
    live = await api.client.get("/api/v1/health/liveness")
    ready = await api.client.get("/api/v1/health/readiness", headers={"Host": "evil.example"})
    assert (live.status, await live.json()) == (200, {"status": "alive"})
    assert (ready.status, await ready.json()) == (200, {"status": "ready"})


async def test_workspace_token_file_is_private_and_reused(start_api: StartApi, tmp_path) -> None:
    api = await start_api()
    token = api.token
    assert token and len(token) >= 32
    files = list((tmp_path / "data").rglob(TOKEN_FILE))
    assert len(files) == 1
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert workspace_token(files[0].parent) == token  # reused, not regenerated
    files[0].chmod(0o644)
    assert workspace_token(files[0].parent) == token
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600


async def test_explicit_token_replaces_workspace_token(start_api: StartApi) -> None:
    api = await start_api(AURO_HTTP_TOKEN="explicit-token-0123456789")
    assert api.token == "explicit-token-0123456789"
    response = await api.client.get("/api/v1/health", headers=api.auth())
    assert response.status == 200


async def test_auth_off_needs_explicit_setting(start_api: StartApi) -> None:
    api = await start_api(AURO_HTTP_AUTH="false")
    assert api.token is None
    response = await api.client.get("/api/v1/health")
    assert response.status == 200


def test_exposure_beyond_loopback_needs_a_token() -> None:
    plain = Settings.model_validate({})
    for host in ("127.0.0.1", "::1", "localhost"):
        check_exposure(plain, host)
    for host in ("0.0.0.0", "::", "192.168.1.10", "example.com", ""):
        with pytest.raises(ExposureRefused, match="AURO_HTTP_TOKEN"):
            check_exposure(plain, host)
    token = Settings.model_validate({"http_token": "x" * 32})
    check_exposure(token, "0.0.0.0")
    with pytest.raises(ExposureRefused, match="AURO_HTTP_AUTH=false"):
        check_exposure(
            Settings.model_validate({"http_token": "x" * 32, "http_auth": False}), "0.0.0.0"
        )
    with pytest.raises(ExposureRefused):
        check_exposure(Settings.model_validate({"http_token": "short"}), "0.0.0.0")


# --- Host and CORS -------------------------------------------------------------------------


def test_host_name_parsing() -> None:
    assert host_name("[::1]:8000") == "::1"
    assert host_name("[0:0:0:0:0:0:0:1]") == "::1"
    assert host_name("LocalHost:80") == "localhost"
    assert host_name("example.com.") == "example.com"
    assert host_name("127.0.0.1") == "127.0.0.1"


# Each was read as a local name by the old lenient split (issue #20, item 7).
MALFORMED_HOSTS = [
    "localhost:1@evil",
    "localhost:evil.com",
    "[127.0.0.1]x",
    "[::1]x",
    "[::1]:80x",
    "[::1]:8000:1",
    "[::1",
    "::1",
    "[v1.fe]",
    "[fe80::1%25eth0]",
    "user@localhost",
    "localhost:",
    "localhost:-1",
    "localhost:99999",
    "localhost:8000:8000",
    "localhost/x",
    "local host",
    "localhost,evil.com",
    "localhost\\evil",
    "\u0131ocalhost",
    "\u212aelvin.localhost",
    "",
    ".",
]


@pytest.mark.parametrize("header", MALFORMED_HOSTS)
def test_malformed_host_headers_parse_to_none(header: str) -> None:
    assert host_name(header) is None


async def test_malformed_host_is_400_good_forms_pass(start_api: StartApi) -> None:
    api = await start_api()
    for host in MALFORMED_HOSTS:
        response = await api.client.get("/api/v1/health", headers=api.auth(Host=host))
        error = await assert_error(response, 400, "invalid_host")
        assert error["details"] == [{"field": "header.Host", "message": "malformed"}], host
    port = api.client.port
    for host in ("localhost", f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}", "[::1]"):
        response = await api.client.get("/api/v1/health", headers=api.auth(Host=host))
        assert response.status == 200, host


async def test_foreign_host_is_403(start_api: StartApi) -> None:
    api = await start_api()
    port = api.client.port
    for host in ("evil.example", f"evil.example:{port}", "127.0.0.1.evil.example"):
        response = await api.client.get("/api/v1/health", headers=api.auth(Host=host))
        await assert_error(response, 403, "host_not_allowed")
    for host in (f"localhost:{port}", f"[::1]:{port}", f"127.0.0.1:{port}"):
        response = await api.client.get("/api/v1/health", headers=api.auth(Host=host))
        assert response.status == 200, host


async def test_allowed_hosts_setting(start_api: StartApi) -> None:
    api = await start_api(AURO_HTTP_ALLOWED_HOSTS="auro.internal")
    response = await api.client.get("/api/v1/health", headers=api.auth(Host="auro.internal:1"))
    assert response.status == 200


async def test_cors_closed_by_default(start_api: StartApi) -> None:
    api = await start_api()
    preflight = await api.client.options(
        "/api/v1/tools/search",
        headers={
            "Origin": "http://evil.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    await assert_error(preflight, 403, "cors_refused")
    assert "Access-Control-Allow-Origin" not in preflight.headers
    # even a "simple" cross-site request is refused, token or not
    response = await api.client.post(
        "/api/v1/tools/search", headers=api.auth(Origin="http://evil.example"), json={"query": "q"}
    )
    await assert_error(response, 403, "origin_not_allowed")
    # the same origin (Swagger UI at /docs) is fine
    same = f"http://127.0.0.1:{api.client.port}"
    response = await api.client.get("/api/v1/health", headers=api.auth(Origin=same))
    assert response.status == 200
    assert "Access-Control-Allow-Origin" not in response.headers


async def test_cors_allowed_when_configured(start_api: StartApi) -> None:
    api = await start_api(AURO_HTTP_CORS_ORIGINS="http://app.example:3000")
    preflight = await api.client.options(
        "/api/v1/tools/search",
        headers={"Origin": "http://app.example:3000", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "http://app.example:3000"
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in preflight.headers
    response = await api.client.get(
        "/api/v1/health", headers=api.auth(Origin="http://app.example:3000")
    )
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == "http://app.example:3000"
    assert "X-Request-Id" in response.headers["Access-Control-Expose-Headers"]
    other = await api.client.options(
        "/api/v1/tools/search",
        headers={"Origin": "http://other.example", "Access-Control-Request-Method": "POST"},
    )
    assert other.status == 403


async def test_no_cookies(start_api: StartApi) -> None:
    api = await start_api()
    for path in ("/api/v1/health", "/docs", "/nothing", "/api/v1/health/liveness"):
        response = await api.client.get(path, headers=api.auth())
        assert "Set-Cookie" not in response.headers


# --- limits --------------------------------------------------------------------------------


async def test_oversized_body_is_413_json(start_api: StartApi) -> None:
    api = await start_api(AURO_HTTP_MAX_BODY_BYTES="200")
    big = {"query": "x" * 1000}
    response = await api.client.post("/api/v1/tools/search", headers=api.auth(), json=big)
    await assert_error(response, 413, "body_too_large")

    async def chunks():  # no Content-Length: aiohttp's own cap must answer JSON too
        for _ in range(10):
            yield b" " * 100

    response = await api.client.post("/api/v1/tools/search", headers=api.auth(), data=chunks())
    await assert_error(response, 413, "body_too_large")


async def test_rate_limit_is_429_with_retry_after(start_api: StartApi) -> None:
    api = await start_api(AURO_HTTP_RATE_LIMIT="0.5", AURO_HTTP_RATE_BURST="3")
    statuses = []
    for _ in range(4):
        response = await api.client.get("/api/v1/health", headers=api.auth())
        statuses.append(response.status)
    assert statuses == [200, 200, 200, 429]
    await assert_error(response, 429, "rate_limited")
    assert 1 <= int(response.headers["Retry-After"]) <= 2
    # failed auth attempts are throttled too, probes never are
    response = await api.client.get("/api/v1/health", headers={"Authorization": "Bearer x"})
    assert response.status == 429
    for _ in range(5):
        assert (await api.client.get("/api/v1/health/liveness")).status == 200


async def test_stream_cap_is_429_with_retry_after(start_api: StartApi) -> None:
    release = asyncio.Event()
    table = RouteTable("test")

    @table.get("/api/v1/test/stream", stream=True, summary="a test stream")
    async def stream(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        await response.write(b"data: first\n\n")
        await release.wait()
        await response.write(b"data: done\n\n")
        return response

    api = await start_api(setup=table.add_to, AURO_HTTP_MAX_STREAMS="1")
    first = await api.client.get("/api/v1/test/stream", headers=api.auth())
    assert first.status == 200 and first.headers["X-Request-Id"]
    assert await first.content.readline() == b"data: first\n"
    second = await api.client.get("/api/v1/test/stream", headers=api.auth())
    await assert_error(second, 429, "too_many_streams")
    assert int(second.headers["Retry-After"]) >= 1
    release.set()
    assert b"done" in await first.read()
    third = await api.client.get("/api/v1/test/stream", headers=api.auth())
    assert third.status == 200
    await third.read()


# --- errors and request ids ----------------------------------------------------------------


async def test_aiohttp_errors_are_json(start_api: StartApi) -> None:
    def boom_route(app: web.Application) -> None:
        async def boom(_: web.Request) -> web.Response:
            raise RuntimeError("secret internals")

        app.router.add_get("/api/v1/test/boom", boom)

    api = await start_api(setup=boom_route)
    await assert_error(await api.client.get("/nope", headers=api.auth()), 404, "not_found")
    response = await api.client.delete("/api/v1/health", headers=api.auth())
    await assert_error(response, 405, "method_not_allowed")
    response = await api.client.get("/api/v1/test/boom", headers=api.auth())
    error = await assert_error(response, 500, "internal_error")
    assert "secret" not in str(error) and "Traceback" not in await response.text()


async def test_validation_names_the_field(start_api: StartApi) -> None:
    api = await start_api()
    response = await api.client.post(
        "/api/v1/tools/search", headers=api.auth(), json={"query": "q", "max_results": 99}
    )
    error = await assert_error(response, 422, "invalid_request")
    assert error["details"][0]["field"] == "max_results"
    response = await api.client.post("/api/v1/tools/fetch", headers=api.auth(), data=b"{no")
    await assert_error(response, 422, "invalid_json")


async def test_request_id_echoed_or_made(start_api: StartApi) -> None:
    api = await start_api()
    response = await api.client.get("/nope", headers=api.auth(**{"X-Request-Id": "abc-123"}))
    assert response.headers["X-Request-Id"] == "abc-123"
    assert (await response.json())["error"]["request_id"] == "abc-123"
    response = await api.client.get("/api/v1/health", headers=api.auth(**{"X-Request-Id": "<x>"}))
    assert len(response.headers["X-Request-Id"]) == 32  # a bad one is replaced


async def test_metrics(start_api: StartApi) -> None:
    api: Api = await start_api()
    api.services.llm.usage.record_error(
        provider="fakellm", model="m", session_id=None, error="boom"
    )
    await api.client.get("/api/v1/health", headers=api.auth())
    await api.client.get("/api/v1/health")
    response = await api.client.get("/metrics", headers=api.auth())
    assert response.status == 200
    assert response.content_type == "text/plain"
    text = await response.text()
    assert 'auro_http_requests_total{method="GET",route="/api/v1/health",status="200"} 1.0' in text
    assert 'auro_http_requests_total{method="GET",route="/api/v1/health",status="401"} 1.0' in text
    assert "auro_http_request_duration_seconds_bucket" in text
    assert "auro_index_files{workspace=" in text
    assert "auro_index_lag_chunks{workspace=" in text
    assert 'auro_llm_errors_total{provider="fakellm"} 1.0' in text
    assert 'auro_llm_tokens_total{kind="prompt",provider="fakellm"} 0.0' in text
