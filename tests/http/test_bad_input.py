"""Hostile request shapes answer 4xx JSON naming the field, never 500 (issue #20, item 5).

Each case is one the outside attack run turned into a 500 with a traceback in the log.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from server.tools import ToolsConfig, ToolService
from tests.tools.conftest import FakeEngine, FakeResolver

from .conftest import Api, StartApi


async def assert_field_error(response, status: int, code: str, field: str) -> dict:
    assert response.status == status, await response.text()
    assert response.content_type == "application/json"
    error = (await response.json())["error"]
    assert error["code"] == code, error
    details = error["details"]  # a list of named fields, or a tool error's one dict
    named = [details["field"]] if isinstance(details, dict) else [d["field"] for d in details]
    assert field in named, error
    assert error["request_id"] == response.headers["X-Request-Id"]
    return error


async def post_raw(api: Api, path: str, body: bytes):
    headers = api.auth(**{"Content-Type": "application/json"})
    return await api.client.post(path, data=body, headers=headers)


async def test_json_nested_100k_deep_is_422(start_api: StartApi) -> None:
    api = await start_api()
    body = b'{"query": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = await post_raw(api, "/api/v1/rag/search", body)
    error = await assert_field_error(response, 422, "invalid_json", "body")
    assert "nested deeper than 64" in error["message"]


async def test_json_nested_past_the_limit_names_the_field(start_api: StartApi) -> None:
    """Deep enough to pass the parser (~1,000) but past the API's own limit of 64."""
    api = await start_api()
    body = json.dumps({"query": "q", "paths": [[[["x"]]]]})
    nested = '{"query": "q", "languages": ' + "[" * 200 + "]" * 200 + "}"
    response = await post_raw(api, "/api/v1/rag/search", nested.encode())
    error = await assert_field_error(response, 422, "invalid_json", "languages.0.0.0.0.0.0.0.…")
    assert "nested deeper than 64" in error["message"]
    shallow = await post_raw(api, "/api/v1/rag/search", body.encode())
    await assert_field_error(shallow, 422, "invalid_request", "paths.0")  # ordinary validation


async def test_5000_digit_integer_is_422_naming_the_field(start_api: StartApi) -> None:
    api = await start_api()
    body = b'{"query": "q", "k": ' + b"9" * 5000 + b"}"
    response = await post_raw(api, "/api/v1/rag/search", body)
    error = await assert_field_error(response, 422, "invalid_json", "k")
    assert "integer longer than 400 digits" in error["message"]
    nested = b'{"query": "q", "extra": {"a": [1, -' + b"1" * 5000 + b"]}}"
    response = await post_raw(api, "/api/v1/rag/search", nested)
    await assert_field_error(response, 422, "invalid_json", "extra.a.1")
    response = await post_raw(api, "/api/v1/rag/search", b"9" * 5000)
    await assert_field_error(response, 422, "invalid_json", "body")


@pytest.mark.parametrize(
    ("digits", "code"), [(400, "invalid_request"), (401, "invalid_json"), (4300, "invalid_json")]
)
async def test_integer_width_limit_is_400_digits(
    start_api: StartApi, digits: int, code: str
) -> None:
    """Up to 400 digits reach validation (here: `k` out of range); longer ones do not."""
    api = await start_api()
    body = b'{"query": "q", "k": -' + b"9" * digits + b"}"
    response = await post_raw(api, "/api/v1/rag/search", body)
    await assert_field_error(response, 422, code, "k")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-32-be"])
async def test_limits_hold_in_utf16_and_utf32_bodies(start_api: StartApi, encoding: str) -> None:
    """json.loads reads these encodings too; the cheap byte scan must not skip them."""
    api = await start_api()
    body = '{"query": "q", "k": ' + "9" * 401 + "}"
    response = await post_raw(api, "/api/v1/rag/search", body.encode(encoding))
    await assert_field_error(response, 422, "invalid_json", "k")


async def test_64_levels_reach_validation(start_api: StartApi) -> None:
    api = await start_api()
    body = '{"query": "q", "paths": ' + "[" * 63 + "]" * 63 + "}"  # 64 levels with the body
    response = await post_raw(api, "/api/v1/rag/search", body.encode())
    await assert_field_error(response, 422, "invalid_request", "paths.0")
    body = '{"query": "q", "paths": ' + "[" * 64 + "]" * 64 + "}"  # 65 levels
    response = await post_raw(api, "/api/v1/rag/search", body.encode())
    await assert_field_error(response, 422, "invalid_json", "paths.0.0.0.0.0.0.0.…")


@pytest.mark.parametrize("glob", ["!", "\\"])
async def test_search_glob_that_cannot_compile_is_422(start_api: StartApi, glob: str) -> None:
    api = await start_api()
    response = await api.client.post(
        "/api/v1/rag/search", headers=api.auth(), json={"query": "q", "paths": ["*.py", glob]}
    )
    error = await assert_field_error(response, 422, "invalid_request", "paths.1")
    assert "gitignore-style glob" in json.dumps(error["details"])


@pytest.mark.parametrize(
    ("directory", "why"),
    [
        ("/tmp/" + "a" * 100_000, "longer than 4096 bytes"),
        ("/tmp/" + "b" * 300, "component longer than 255 bytes"),
        ("/tmp/a\x00b", "NUL"),
    ],
    ids=["100KB", "long-component", "nul"],
)
async def test_unusable_directory_path_is_422(
    start_api: StartApi, directory: str, why: str
) -> None:
    api = await start_api()
    response = await api.client.post(
        "/api/v1/rag/index", headers=api.auth(), json={"directory_path": directory}
    )
    error = await assert_field_error(response, 422, "invalid_request", "directory_path")
    assert why in json.dumps(error["details"])


async def test_directory_path_the_os_refuses_is_422(start_api: StartApi, monkeypatch) -> None:
    """Within the limits as sent, but `~` expands it past PATH_MAX: the OS error is reported."""
    api = await start_api()
    monkeypatch.setenv("HOME", "/" + "/".join(["h" * 200] * 12))
    response = await api.client.post(
        "/api/v1/rag/index",
        headers=api.auth(),
        json={"directory_path": "~/" + "/".join(["d" * 200] * 10)},
    )
    error = await assert_field_error(response, 422, "invalid_request", "directory_path")
    assert "cannot be checked" in error["message"]


async def test_fetch_url_with_a_64_character_label_is_400(start_api: StartApi) -> None:
    resolver = FakeResolver()
    api = await start_api(tools=ToolService(ToolsConfig(), engine=FakeEngine(), resolver=resolver))
    for host in ("a" * 64 + ".example", "a." * 127 + "com", "a..example"):
        response = await api.client.post(
            "/api/v1/tools/fetch", headers=api.auth(), json={"url": f"http://{host}/"}
        )
        error = await assert_field_error(response, 400, "invalid_url", "url")
        assert "not a valid DNS name" in error["message"]
    assert resolver.calls == []  # refused before any lookup


async def raw_request(api: Api, head: bytes) -> tuple[int, dict]:
    """Send bytes no HTTP client library would: header values that are not UTF-8."""
    reader, writer = await asyncio.open_connection("127.0.0.1", api.client.port)
    try:
        writer.write(head)
        await writer.drain()
        response = await reader.read()
    finally:
        writer.close()
    status_line, _, rest = response.partition(b"\r\n")
    body = rest.partition(b"\r\n\r\n")[2]
    return int(status_line.split()[1]), json.loads(body)


async def test_non_utf8_authorization_is_401_without_a_token(start_api: StartApi) -> None:
    api = await start_api()
    port = api.client.port
    for value in (b"Bearer \xff\xfe\x80", b"\xc3\x28 token", "Bearer caf\u00e9".encode()):
        status, body = await raw_request(
            api,
            b"GET /api/v1/rag/stats HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % port
            + b"Authorization: "
            + value
            + b"\r\nConnection: close\r\n\r\n",
        )
        assert status == 401, body
        assert body["error"]["code"] == "unauthorized"
        assert "Authorization" in body["error"]["message"]


async def test_origin_that_urlsplit_cannot_read_is_403(start_api: StartApi) -> None:
    """`http://[` made urlsplit raise in the same-origin check (a 500 before)."""
    api = await start_api()
    for origin in ("http://[", "http://[::1", "http://[zz]:1"):
        response = await api.client.get("/api/v1/rag/stats", headers=api.auth(Origin=origin))
        assert response.status == 403, origin
        assert (await response.json())["error"]["code"] == "origin_not_allowed"
