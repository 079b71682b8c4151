"""Which IP addresses a fetch may reach, and how hosts written as numbers are really read.

Resolvers (glibc `inet_aton`) accept `127.1`, `0x7f.1`, `017700000001` and `2130706433` as
127.0.0.1, so a host is never passed on as text when it looks numeric: it is parsed here with
the same rules and the resulting address is checked like any other.
"""

from __future__ import annotations

import ipaddress
import re

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NUMBER = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_SHARED = ipaddress.ip_network("100.64.0.0/10")


class NumericHostError(ValueError):
    """A host that looks like a number but is not a valid IPv4 address in any legacy form."""


def _part(text: str) -> int:
    """One dotted part in inet_aton notation: 0x hex, leading-zero octal or decimal."""
    if text.lower().startswith("0x"):
        return int(text[2:] or "0", 16)
    if len(text) > 1 and text.startswith("0"):
        if not text.isdigit() or "8" in text or "9" in text:
            raise NumericHostError(f"invalid octal part {text!r}")
        return int(text, 8)
    return int(text)


def parse_numeric_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address a numeric host means, None for a name; raises for malformed numbers.

    Like the WHATWG URL parser, a host whose last label is a number is an IPv4 address.
    """
    labels = host.split(".")
    if labels and labels[-1] == "":
        labels = labels[:-1]
    if not labels or not _NUMBER.match(labels[-1]):
        return None
    if len(labels) > 4 or not all(_NUMBER.match(label) for label in labels):
        raise NumericHostError(f"{host!r} is not a valid IPv4 address")
    parts = [_part(label) for label in labels]
    *head, last = parts
    if any(p > 255 for p in head) or last >= 256 ** (5 - len(parts)):
        raise NumericHostError(f"{host!r} is out of the IPv4 range")
    value = 0
    for p in head:
        value = value * 256 + p
    value = value * 256 ** (5 - len(parts)) + last
    return ipaddress.IPv4Address(value)


def parse_ip_host(host: str) -> IPAddress | None:
    """The address an IP-literal host names (any IPv4 form, IPv6 with or without zone)."""
    if ":" in host:
        return ipaddress.IPv6Address(host.split("%", 1)[0])
    return parse_numeric_ipv4(host)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address carried by mapped, 6to4, NAT64 or Teredo IPv6 forms."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64 or ip in _NAT64_LOCAL:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def blocked_reason(ip: IPAddress) -> str | None:
    """Why `ip` must not be fetched from, or None when it is a public unicast address."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return "an IPv6 address with a zone"
        inner = _embedded_ipv4(ip)
        if inner is not None:
            reason = blocked_reason(inner)
            return f"an IPv6 form of {inner}, {reason}" if reason else None
    checks = (
        ("is_unspecified", "the unspecified address"),
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address"),
        ("is_multicast", "a multicast address"),
        ("is_private", "a private address"),
        ("is_reserved", "a reserved address"),
    )
    for attribute, reason in checks:
        if getattr(ip, attribute):
            return reason
    if isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED:
        return "a shared (CGNAT) address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local:
        return "a site-local address"
    if not ip.is_global:
        return "not a globally routable address"
    return None
