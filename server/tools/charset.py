"""Bytes to text: the declared charset when it decodes, then HTML meta, then detection."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SNIFF_BYTES = 4096
# Detection guesses wildly on a few bytes; short bodies get the web's legacy default instead.
_DETECT_MIN_BYTES = 64


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip()).name
    except LookupError:
        return None


def _meta_charset(body: bytes) -> str | None:
    match = _META.search(body[:_SNIFF_BYTES])
    return match.group(1).decode("ascii") if match else None


def decode(body: bytes, declared: str | None, html: bool) -> str:
    """Text of `body`: BOM, header, meta, UTF-8, then detection; a charset that fails is skipped.

    Short bodies that match none of these are read as windows-1252, as browsers do.
    """
    candidates: list[str | None] = [codec for bom, codec in _BOMS if body.startswith(bom)]
    candidates.append(_codec(declared))
    if html:
        candidates.append(_codec(_meta_charset(body)))
    candidates.append("utf-8")
    for codec in candidates:
        if codec is None:
            continue
        try:
            return body.decode(codec)
        except UnicodeDecodeError:
            continue
    if len(body) >= _DETECT_MIN_BYTES:
        best = from_bytes(body).best()
        if best is not None:
            return str(best)
    return body.decode("windows-1252", errors="replace")
