"""Every IANA special-purpose block is refused, whatever Python's `ipaddress` thinks of it.

Rows marked `global` are ones `ipaddress.is_global` calls public on some Python version
(3.11.7 here: 192.0.0.8, 192.0.0.9, the AS112 and AMT blocks, 3fff::/20, 2620:4f:8000::/48);
the guard must not depend on that.
"""

from __future__ import annotations

import ipaddress

import pytest

from server.tools.addresses import blocked_reason

# (address, the words the refusal must contain)
REFUSED = [
    ("0.1.2.3", "this network"),
    ("10.1.2.3", "private-use"),
    ("100.64.0.1", "CGNAT"),
    ("100.127.255.254", "CGNAT"),
    ("127.0.0.2", "loopback"),
    ("169.254.169.254", "link-local"),
    ("172.31.255.255", "private-use"),
    ("192.0.0.1", "IETF protocol assignments"),
    ("192.0.0.8", "IETF protocol assignments"),  # global per ipaddress
    ("192.0.0.9", "IETF protocol assignments"),  # global per ipaddress
    ("192.0.0.10", "IETF protocol assignments"),  # global per ipaddress
    ("192.0.0.170", "IETF protocol assignments"),
    ("192.0.0.255", "IETF protocol assignments"),
    ("192.0.2.1", "TEST-NET-1"),
    ("192.31.196.1", "AS112"),  # global per ipaddress
    ("192.52.193.1", "AMT"),  # global per ipaddress
    ("192.88.99.1", "6to4 relay"),  # global per ipaddress
    ("192.168.0.1", "private-use"),
    ("192.175.48.1", "AS112"),  # global per ipaddress
    ("198.18.0.1", "benchmarking"),
    ("198.19.255.255", "benchmarking"),
    ("198.51.100.7", "TEST-NET-2"),
    ("203.0.113.7", "TEST-NET-3"),
    ("224.0.0.1", "multicast"),
    ("239.255.255.250", "multicast"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "broadcast"),
    ("::", "unspecified"),
    ("::1", "loopback"),
    ("::ffff:127.0.0.1", "IPv6 form of 127.0.0.1"),
    ("::ffff:192.0.0.9", "IPv6 form of 192.0.0.9"),
    ("::ffff:100.64.0.1", "CGNAT"),
    ("64:ff9b::10.0.0.1", "IPv6 form of 10.0.0.1"),
    ("64:ff9b::192.0.0.8", "IPv6 form of 192.0.0.8"),
    ("64:ff9b::198.18.0.1", "benchmarking"),
    ("64:ff9b:1::1", "local-use IPv4/IPv6 translation"),  # global per ipaddress
    ("64:ff9b:1::5db8:d822", "local-use IPv4/IPv6 translation"),  # even with a public v4
    ("100::1", "discard-only"),
    ("100:0:0:1::1", "dummy"),  # global per ipaddress
    ("2001::1", "IETF protocol assignments"),
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "IETF protocol assignments"),  # Teredo
    ("2001:0:4136:e378:8000:63bf:a247:2bcb", "IETF protocol assignments"),  # ... of a public v4
    ("2001:1::1", "IETF protocol assignments"),  # PCP anycast
    ("2001:1::2", "IETF protocol assignments"),  # TURN anycast
    ("2001:1::3", "IETF protocol assignments"),  # DNS-SD SRP anycast
    ("2001:2::1", "IETF protocol assignments"),  # benchmarking
    ("2001:3::1", "IETF protocol assignments"),  # AMT
    ("2001:4:112::1", "IETF protocol assignments"),  # AS112-v6
    ("2001:20::1", "IETF protocol assignments"),  # ORCHIDv2
    ("2001:30::1", "IETF protocol assignments"),  # DRIP
    ("2001:1ff::1", "IETF protocol assignments"),
    ("2001:db8::1", "documentation"),
    ("2002:7f00:1::", "IPv6 form of 127.0.0.1"),  # 6to4
    ("2002:a00:1::", "IPv6 form of 10.0.0.1"),
    ("2002:c000:8::", "IPv6 form of 192.0.0.8"),
    ("2620:4f:8000::1", "AS112"),  # global per ipaddress
    ("3fff::1", "documentation"),  # global per ipaddress
    ("5f00::1", "SRv6"),
    ("fc00::1", "unique-local"),
    ("fdff:ffff::1", "unique-local"),
    ("fe80::1", "link-local"),
    ("fec0::1", "site-local"),
    ("ff02::1", "multicast"),
    ("::a00:1", "reserved"),  # deprecated IPv4-compatible
    ("::ffff:0:a00:1", "reserved"),  # SIIT IPv4-translated
]

PUBLIC = [
    "1.1.1.1",
    "8.8.8.8",
    "93.184.216.34",
    "100.63.255.255",  # just below CGNAT
    "100.128.0.0",  # just above CGNAT
    "192.0.1.1",  # just above 192.0.0.0/24
    "198.17.255.255",
    "198.20.0.0",
    "223.255.255.254",
    "2606:4700::1111",
    "2001:200::1",  # just above 2001::/23
    "2001:4860:4860::8888",
    "2002:5db8:d822::",  # 6to4 of a public address
    "64:ff9b::5db8:d822",  # NAT64 of a public address
    "::ffff:93.184.216.34",
]


@pytest.mark.parametrize(("address", "reason"), REFUSED, ids=[r[0] for r in REFUSED])
def test_special_purpose_addresses_are_refused(address: str, reason: str) -> None:
    refusal = blocked_reason(ipaddress.ip_address(address))
    assert refusal is not None and reason in refusal, refusal


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_fetched(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is None
