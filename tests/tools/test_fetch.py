"""Fetching from local servers opened through the allow list: content, redirects and limits."""

from __future__ import annotations

import time

import pytest
from aiohttp import web

from server.tools import (
    FetchTimeout,
    RobotsDisallowed,
    TooLarge,
    ToolService,
    TooManyRedirects,
    UnsupportedContent,
    UpstreamStatus,
)
from server.tools.config import USER_AGENT
from tests.tools.local_web import FakeResolver, MakeService, Serve, Site, content_app


async def test_html_page_is_extracted(site: Site, local: ToolService) -> None:
    page = await local.fetch(site.url("/page"))
    assert page.title == "Guide Page"
    assert page.canonical_url == site.url("/docs/guide")
    assert page.content_type == "text/html"
    assert "# Install guide" in page.text
    assert "## Steps" in page.text
    assert "- Download\n- Run `make`" in page.text
    assert '```python\nprint("hello")\n```' in page.text
    assert "linked docs" in page.text
    for dropped in ("Navigation link", "script text", "color: red", "Site header", "Sidebar ad"):
        assert dropped not in page.text
    assert "Footer text" not in page.text and "Form text" not in page.text


async def test_plain_text_json_and_markdown(site: Site, local: ToolService) -> None:
    text = await local.fetch(site.url("/text"))
    assert text.text == "plain words\nsecond line" and text.content_type == "text/plain"
    data = await local.fetch(site.url("/json"))
    assert '"name": "auro"' in data.text and data.content_type == "application/json"
    notes = await local.fetch(site.url("/md"))
    assert notes.title == "Notes" and "- a\n- b" in notes.text


async def test_redirect_chain_of_five_is_followed(site: Site, local: ToolService) -> None:
    page = await local.fetch(site.url("/r/4"))
    assert page.url == site.url("/text")
    assert page.requested_url == site.url("/r/4")
    assert site.hits["/r/0"] == 1


async def test_six_redirects_are_refused(site: Site, local: ToolService) -> None:
    with pytest.raises(TooManyRedirects):
        await local.fetch(site.url("/r/5"))


async def test_oversize_streamed_body_is_refused(serve: Serve, make_service: MakeService) -> None:
    site = await serve(content_app(max_bytes=100_000))
    service = make_service(allow_hosts=(site.host,), max_bytes=100_000)
    with pytest.raises(TooLarge, match="100000"):
        await service.fetch(site.url("/big"))
    with pytest.raises(TooLarge):
        await service.fetch(site.url("/big-declared"))


async def test_slow_server_times_out(site: Site, make_service: MakeService) -> None:
    service = make_service(allow_hosts=(site.host,), read_timeout=0.3, fetch_timeout=2.0)
    started = time.monotonic()
    with pytest.raises(FetchTimeout):
        await service.fetch(site.url("/slow"))
    assert time.monotonic() - started < 2.0


async def test_overall_fetch_deadline(site: Site, make_service: MakeService) -> None:
    service = make_service(allow_hosts=(site.host,), read_timeout=10.0, fetch_timeout=0.3)
    with pytest.raises(FetchTimeout):
        await service.fetch(site.url("/slow"))


async def test_charset_from_meta_when_header_has_none(site: Site, local: ToolService) -> None:
    page = await local.fetch(site.url("/latin1"))
    assert page.title == "Café"
    assert "Crème brûlée" in page.text


async def test_wrong_header_charset_falls_back(site: Site, local: ToolService) -> None:
    page = await local.fetch(site.url("/wrong-charset"))
    assert page.text == "naïve façade"


@pytest.mark.parametrize("path", ["/image", "/octets"])
async def test_binary_content_types_are_refused(site: Site, local: ToolService, path: str) -> None:
    with pytest.raises(UnsupportedContent, match="not read"):
        await local.fetch(site.url(path))


async def test_http_error_status_is_reported(site: Site, local: ToolService) -> None:
    with pytest.raises(UpstreamStatus) as caught:
        await local.fetch(site.url("/missing"))
    assert caught.value.details["status"] == 404


async def test_text_is_cut_to_budget_with_marker(site: Site, make_service: MakeService) -> None:
    service = make_service(allow_hosts=(site.host,), text_budget=10)
    page = await service.fetch(site.url("/text"))
    assert page.truncated
    assert page.text.endswith("[... truncated at 10 chars]")


async def test_user_agent_and_pinned_name(site: Site, make_service: MakeService) -> None:
    port = site.host.split(":")[1]
    resolver = FakeResolver({"docs.internal": ["127.0.0.1"]})
    service = make_service(
        allow_hosts=(f"docs.internal:{port}",), resolver=resolver, respect_robots=False
    )
    page = await service.fetch(f"http://docs.internal:{port}/text")
    assert page.url == f"http://docs.internal:{port}/text"
    assert resolver.calls == ["docs.internal"]
    assert site.headers[-1]["Host"] == f"docs.internal:{port}"
    assert site.headers[-1]["User-Agent"] == USER_AGENT
    assert USER_AGENT.startswith("Auro-PAI/")


async def test_robots_txt_is_honoured_and_cached(serve: Serve, make_service: MakeService) -> None:
    async def robots(_: web.Request) -> web.Response:
        return web.Response(text="User-agent: *\nDisallow: /private\n", content_type="text/plain")

    async def page(_: web.Request) -> web.Response:
        return web.Response(text="ok", content_type="text/plain")

    app = web.Application()
    app.router.add_get("/robots.txt", robots)
    app.router.add_get("/private", page)
    app.router.add_get("/public", page)
    site = await serve(app)
    service = make_service(allow_hosts=(site.host,))
    with pytest.raises(RobotsDisallowed):
        await service.fetch(site.url("/private"))
    assert (await service.fetch(site.url("/public"))).text == "ok"
    assert site.hits["/robots.txt"] == 1
    assert "/private" not in site.hits

    ignoring = make_service(allow_hosts=(site.host,), respect_robots=False)
    assert (await ignoring.fetch(site.url("/private"))).text == "ok"


async def test_robots_server_error_disallows(serve: Serve, make_service: MakeService) -> None:
    async def robots(_: web.Request) -> web.Response:
        raise web.HTTPServiceUnavailable()

    app = web.Application()
    app.router.add_get("/robots.txt", robots)
    site = await serve(app)
    with pytest.raises(RobotsDisallowed):
        await make_service(allow_hosts=(site.host,)).fetch(site.url("/anything"))
