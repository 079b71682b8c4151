"""Pure helpers: numeric host parsing, address policy, pinning, charset and extraction."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from server.tools.addresses import NumericHostError, blocked_reason, parse_numeric_ipv4
from server.tools.charset import decode
from server.tools.extract import cut, extract_html
from server.tools.guard import AllowList
from server.tools.resolver import PinnedResolver, pin


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("10.1.258", "10.1.1.2"),
        ("8.8.8.8.", "8.8.8.8"),
        ("example.com", None),
        ("v1.example", None),
    ],
)
def test_numeric_hosts_read_like_inet_aton(host: str, expected: str | None) -> None:
    parsed = parse_numeric_ipv4(host)
    assert (str(parsed) if parsed else None) == expected


@pytest.mark.parametrize("host", ["1.2.3.4.5", "256.1.1.1", "09.1.1.1", "a.1", "4294967296"])
def test_malformed_numeric_hosts_raise(host: str) -> None:
    with pytest.raises(NumericHostError):
        parse_numeric_ipv4(host)


@pytest.mark.parametrize(
    "address",
    ["93.184.216.34", "2606:4700::1111", "2002:5db8:d822::", "64:ff9b::5db8:d822"],
)
def test_public_addresses_pass(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("100.64.0.1", "CGNAT"),
        ("::ffff:10.0.0.1", "10.0.0.1"),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "IETF protocol assignments"),
        ("255.255.255.255", "address"),
        ("198.18.0.1", "benchmarking"),
    ],
)
def test_special_addresses_are_blocked(address: str, reason: str) -> None:
    assert reason in (blocked_reason(ipaddress.ip_address(address)) or "")


def test_allow_list_entries() -> None:
    allow = AllowList(["Docs.Internal", "127.0.0.1:8080", "[::1]:9000", "bad:port:x:"])
    assert allow.allows("docs.internal", 443)
    assert allow.allows("127.1", 8080) and not allow.allows("127.0.0.1", 8081)
    assert allow.allows("::1", 9000) and not allow.allows("::1", 80)


async def test_pinned_resolver_answers_only_pins() -> None:
    resolver = PinnedResolver()
    with pytest.raises(OSError, match="not checked"):
        await resolver.resolve("unpinned.example", 80)
    pin("pinned.example", [ipaddress.ip_address("93.184.216.34")])
    answers = await resolver.resolve("pinned.example", 443)
    assert [(a["host"], a["port"], a["family"]) for a in answers] == [
        ("93.184.216.34", 443, socket.AF_INET)
    ]


RUSSIAN = (
    "Съешь же ещё этих мягких французских булок, да выпей чаю. "
    "Широкая электрификация южных губерний даст мощный толчок подъёму сельского хозяйства."
)


@pytest.mark.parametrize(
    ("body", "declared", "html", "expected"),
    [
        ("café".encode(), "utf-8", False, "café"),
        ("café".encode("latin-1"), "utf-8", False, "café"),
        (b'<meta charset="windows-1252"><p>\x93q\x94</p>', None, True, "\u201cq\u201d"),
        ("\ufeffbom".encode("utf-8"), "latin-1", False, "bom"),
        (RUSSIAN.encode("cp1251"), None, False, RUSSIAN),
    ],
)
def test_charset_detection(body: bytes, declared: str | None, html: bool, expected: str) -> None:
    assert expected in decode(body, declared, html)


def test_extraction_prefers_article_and_keeps_structure() -> None:
    html = """<html><body><div>Outside text</div><article>
    <h3>Deep</h3><ol><li>one<ul><li>nested</li></ul></li></ol>
    <blockquote>quoted</blockquote><table><tr><th>k</th><th>v</th></tr></table>
    </article></body></html>"""
    page = extract_html(html, "https://example.com/")
    assert "Outside text" not in page.text
    assert page.text == "### Deep\n\n1. one\n   - nested\n\n> quoted\n\n| k | v |"


def test_canonical_must_be_http() -> None:
    html = '<link rel="canonical" href="javascript:alert(1)"><p>x</p>'
    assert extract_html(html, "https://example.com/").canonical_url is None


def test_cut_marks_truncation() -> None:
    assert cut("short", 10) == ("short", False)
    text, truncated = cut("a" * 50, 20)
    assert truncated and text == "a" * 20 + "\n\n[... truncated at 20 chars]"
