"""With default settings every private, loopback or odd-form target is refused before connecting.

This table is mirrored in docs/security.md; keep the two in step.
"""

from __future__ import annotations

import pytest
from aiohttp import web

from server.tools import BlockedAddress, FetchRefused, InvalidUrl, ToolsConfig
from tests.tools.local_web import FakeResolver, MakeService, Serve, Site

SSRF_TARGETS = [
    ("http://localhost/", BlockedAddress),
    ("http://127.0.0.1/", BlockedAddress),
    ("http://127.1/", BlockedAddress),
    ("http://2130706433/", BlockedAddress),
    ("http://0x7f000001/", BlockedAddress),
    ("http://0x7f.1/", BlockedAddress),
    ("http://017700000001/", BlockedAddress),
    ("http://[::1]/", BlockedAddress),
    ("http://[::ffff:127.0.0.1]/", BlockedAddress),
    ("http://0.0.0.0/", BlockedAddress),
    ("http://10.0.0.1/", BlockedAddress),
    ("http://172.16.0.1/", BlockedAddress),
    ("http://192.168.1.1/", BlockedAddress),
    ("http://169.254.169.254/latest/meta-data/", BlockedAddress),
    ("http://100.64.0.1/", BlockedAddress),
    ("http://224.0.0.1/", BlockedAddress),
    ("http://[fc00::1]/", BlockedAddress),
    ("http://[fe80::1]/", BlockedAddress),
    ("http://[2002:7f00:1::]/", BlockedAddress),
    ("http://[64:ff9b::a00:1]/", BlockedAddress),
    ("http://192.0.0.8/", BlockedAddress),
    ("http://192.0.0.9/", BlockedAddress),
    ("http://198.18.0.1/", BlockedAddress),
    ("http://[2001:1::1]/", BlockedAddress),
    ("http://[64:ff9b::c000:9]/", BlockedAddress),
    ("http://" + "a" * 64 + ".example/", InvalidUrl),
    ("http://public.example/", BlockedAddress),
    ("http://1.2.3.4.5/", BlockedAddress),
    ("file:///etc/passwd", InvalidUrl),
    ("gopher://127.0.0.1:25/", InvalidUrl),
    ("http://user:secret@example.com/", InvalidUrl),
]


@pytest.mark.parametrize(("url", "error"), SSRF_TARGETS, ids=[t[0] for t in SSRF_TARGETS])
async def test_default_settings_refuse_private_targets(
    make_service: MakeService, url: str, error: type[FetchRefused]
) -> None:
    resolver = FakeResolver({"public.example": ["127.0.0.1"], "localhost": ["127.0.0.1"]})
    service = make_service(resolver=resolver)
    with pytest.raises(error) as caught:
        await service.fetch(url)
    assert caught.value.message
    assert "localhost" not in resolver.calls


async def test_name_with_any_private_answer_is_refused(make_service: MakeService) -> None:
    resolver = FakeResolver({"mixed.example": ["93.184.216.34", "10.1.2.3"]})
    with pytest.raises(BlockedAddress, match="10.1.2.3"):
        await make_service(resolver=resolver).fetch("http://mixed.example/")


async def test_redirect_from_allowed_host_to_other_local_port_is_refused(
    serve: Serve, make_service: MakeService
) -> None:
    other = await serve(web.Application())

    async def jump(_: web.Request) -> web.Response:
        raise web.HTTPFound(f"http://{other.host}/secret")

    app = web.Application()
    app.router.add_get("/jump", jump)
    allowed: Site = await serve(app)
    service = make_service(allow_hosts=(allowed.host,))
    with pytest.raises(BlockedAddress):
        await service.fetch(allowed.url("/jump"))
    assert other.hits == {}


async def test_allow_list_needs_the_port_when_given(site: Site, make_service: MakeService) -> None:
    host, port = site.host.split(":")
    service = make_service(allow_hosts=(f"{host}:{int(port) + 1}",))
    with pytest.raises(BlockedAddress):
        await service.fetch(site.url("/text"))
    assert site.hits == {}


async def test_allowed_host_is_reached_by_any_numeric_spelling(
    site: Site, make_service: MakeService
) -> None:
    port = site.host.split(":")[1]
    service = make_service(allow_hosts=(site.host,), respect_robots=False)
    page = await service.fetch(f"http://2130706433:{port}/text")
    assert page.text.startswith("plain words")


def test_defaults_open_no_private_host() -> None:
    assert ToolsConfig().allow_hosts == ()
