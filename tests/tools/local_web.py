"""Local aiohttp sites, a fixed-answer resolver and a fake engine: nothing leaves 127.0.0.1.

The fixtures that start and clean them up (`serve`, `site`, `make_service`, `local`) are in
tests/tools/conftest.py.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

from server.tools import SearchOptions, SearchResult, ToolService
from server.tools.addresses import IPAddress

PAGE = b"""<!doctype html>
<html><head><title>Guide  Page</title>
<link rel="canonical" href="/docs/guide">
<script>alert("script text")</script><style>body { color: red }</style></head>
<body>
<header>Site header</header>
<nav><a href="/">Home</a> <a href="/about">Navigation link</a></nav>
<main>
<h1>Install guide</h1>
<p>Read the <a href="/more">linked docs</a> first.</p>
<h2>Steps</h2>
<ul><li>Download</li><li>Run <code>make</code></li></ul>
<pre><code class="language-python">print("hello")
</code></pre>
<form><input name="q"> Form text</form>
</main>
<aside>Sidebar ad</aside>
<footer>Footer text</footer>
</body></html>"""

LATIN1_PAGE = (
    '<html><head><meta charset="iso-8859-1"><title>Caf\xe9</title></head>'
    "<body><p>Cr\xe8me br\xfbl\xe9e</p></body></html>"
).encode("latin-1")


class FakeResolver:
    """Fixed DNS answers; counts lookups so tests can see DNS is asked once per hop."""

    def __init__(self, answers: dict[str, list[str]] | None = None):
        self.answers = answers or {}
        self.calls: list[str] = []

    async def resolve(self, host: str) -> list[IPAddress]:
        self.calls.append(host)
        if host not in self.answers:
            raise OSError(f"fake resolver: unknown host {host}")
        return [ipaddress.ip_address(a) for a in self.answers[host]]


@dataclass
class FakeEngine:
    """Search engine returning canned results and recording what it was asked."""

    urls: list[str] = field(default_factory=list)
    name: str = "fake"
    calls: list[tuple[str, SearchOptions]] = field(default_factory=list)

    async def search(self, query: str, options: SearchOptions) -> list[SearchResult]:
        self.calls.append((query, options))
        urls = self.urls or [f"https://example.com/{n}" for n in range(100)]
        return [
            SearchResult(title=f"Result {n}", url=url, snippet=f"snippet {n}")
            for n, url in enumerate(urls)
        ]


@dataclass
class Site:
    """A running local server: `host` is `127.0.0.1:port`, `hits` counts requests per path."""

    host: str
    hits: dict[str, int]
    headers: list[dict[str, str]]

    def url(self, path: str) -> str:
        return f"http://{self.host}{path}"


Serve = Callable[[web.Application], Awaitable[Site]]


def content_app(max_bytes: int = 2_000_000) -> web.Application:
    """Every kind of response the fetch tests need."""

    async def page(_: web.Request) -> web.Response:
        return web.Response(body=PAGE, content_type="text/html", charset="utf-8")

    async def text(_: web.Request) -> web.Response:
        return web.Response(text="plain words\nsecond line", content_type="text/plain")

    async def data(_: web.Request) -> web.Response:
        return web.json_response({"name": "auro", "items": [1, 2]})

    async def markdown(_: web.Request) -> web.Response:
        return web.Response(text="# Notes\n\n- a\n- b\n", content_type="text/markdown")

    async def redirect(request: web.Request) -> web.Response:
        left = int(request.match_info["n"])
        raise web.HTTPFound("/text" if left == 0 else f"/r/{left - 1}")

    async def big(_: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/plain"})
        response.enable_chunked_encoding()
        await response.prepare(_)
        for _chunk in range(max_bytes // 65536 + 2):
            await response.write(b"x" * 65536)
        await response.write_eof()
        return response

    async def big_declared(_: web.Request) -> web.Response:
        return web.Response(body=b"y" * (max_bytes + 1), content_type="text/plain")

    async def slow(_: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.Response(text="late", content_type="text/plain")

    async def latin1(_: web.Request) -> web.Response:
        return web.Response(body=LATIN1_PAGE, headers={"Content-Type": "text/html"})

    async def wrong_charset(_: web.Request) -> web.Response:
        body = "<html><body><p>na\xefve fa\xe7ade</p></body></html>".encode("latin-1")
        return web.Response(body=body, headers={"Content-Type": "text/html; charset=utf-8"})

    async def binary(_: web.Request) -> web.Response:
        return web.Response(body=b"\x89PNG\r\n", content_type="image/png")

    async def octets(_: web.Request) -> web.Response:
        return web.Response(body=b"\x00\x01", content_type="application/octet-stream")

    async def missing(_: web.Request) -> web.Response:
        raise web.HTTPNotFound()

    app = web.Application()
    app.router.add_get("/page", page)
    app.router.add_get("/text", text)
    app.router.add_get("/json", data)
    app.router.add_get("/md", markdown)
    app.router.add_get("/r/{n}", redirect)
    app.router.add_get("/big", big)
    app.router.add_get("/big-declared", big_declared)
    app.router.add_get("/slow", slow)
    app.router.add_get("/latin1", latin1)
    app.router.add_get("/wrong-charset", wrong_charset)
    app.router.add_get("/image", binary)
    app.router.add_get("/octets", octets)
    app.router.add_get("/missing", missing)
    return app


MakeService = Callable[..., ToolService]
