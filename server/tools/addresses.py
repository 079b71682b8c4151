"""Which IP addresses a fetch may reach, and how hosts written as numbers are really read.

Resolvers (glibc `inet_aton`) accept `127.1`, `0x7f.1`, `017700000001` and `2130706433` as
127.0.0.1, so a host is never passed on as text when it looks numeric: it is parsed here with
the same rules and the resulting address is checked like any other.
"""

from __future__ import annotations

import ipaddress
import re

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_NUMBER = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _table(*rows: tuple[str, str]) -> tuple[tuple[IPNetwork, str], ...]:
    return tuple((ipaddress.ip_network(net), name) for net, name in rows)


# The IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890 and its updates), whole:
# even blocks the registry calls globally reachable (anycast PCP/TURN, AS112, AMT, ORCHIDv2)
# are never a web page a tool should read. Multicast is refused separately, and the blocks
# that only carry an IPv4 address (::ffff:0:0/96, 64:ff9b::/96, 2002::/16) by that address.
SPECIAL_PURPOSE_V4 = _table(
    ("0.0.0.0/8", "this network"),
    ("10.0.0.0/8", "private-use"),
    ("100.64.0.0/10", "shared address space (CGNAT)"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local"),
    ("172.16.0.0/12", "private-use"),
    ("192.0.0.0/24", "IETF protocol assignments"),
    ("192.0.2.0/24", "documentation (TEST-NET-1)"),
    ("192.31.196.0/24", "AS112-v4"),
    ("192.52.193.0/24", "AMT"),
    ("192.88.99.0/24", "deprecated 6to4 relay anycast"),
    ("192.168.0.0/16", "private-use"),
    ("192.175.48.0/24", "direct delegation AS112 service"),
    ("198.18.0.0/15", "benchmarking"),
    ("198.51.100.0/24", "documentation (TEST-NET-2)"),
    ("203.0.113.0/24", "documentation (TEST-NET-3)"),
    ("255.255.255.255/32", "limited broadcast"),  # before 240/4, which holds it
    ("240.0.0.0/4", "reserved"),
)
SPECIAL_PURPOSE_V6 = _table(
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("64:ff9b:1::/48", "local-use IPv4/IPv6 translation"),
    ("100::/64", "discard-only"),
    ("100:0:0:1::/64", "dummy IPv6 prefix"),
    ("2001::/23", "IETF protocol assignments"),
    ("2001:db8::/32", "documentation"),
    ("2620:4f:8000::/48", "direct delegation AS112 service"),
    ("3fff::/20", "documentation"),
    ("5f00::/16", "segment routing (SRv6) SIDs"),
    ("fc00::/7", "unique-local"),
    ("fe80::/10", "link-local unicast"),
)


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


def _carried_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address inside an IPv4-mapped, 6to4 or NAT64 (64:ff9b::/96) address."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def special_purpose(ip: IPAddress) -> str | None:
    """The IANA special-purpose block holding `ip`, if any (`ipaddress` misses some)."""
    table = SPECIAL_PURPOSE_V4 if isinstance(ip, ipaddress.IPv4Address) else SPECIAL_PURPOSE_V6
    for network, name in table:
        if ip in network:
            return f"{name} ({network})"
    return None


def blocked_reason(ip: IPAddress) -> str | None:
    """Why `ip` must not be fetched from, or None when it is a public unicast address.

    IPv6 forms that only carry an IPv4 address (mapped, 6to4, NAT64) are judged by it; every
    other special-purpose block is refused whatever `ipaddress.is_global` says, since Python
    versions disagree on parts of 192.0.0.0/24 and 2001::/23 (Teredo lives there too).
    """
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return "an IPv6 address with a zone"
        inner = _carried_ipv4(ip)
        if inner is not None:
            reason = blocked_reason(inner)
            return f"an IPv6 form of {inner}, {reason}" if reason else None
    block = special_purpose(ip)
    if block:
        return f"a special-purpose address: {block}"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_reserved:
        return "a reserved address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local:
        return "a site-local address"
    if not ip.is_global:
        return "not a globally routable address"
    return None
