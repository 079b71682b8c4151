"""The JSON-RPC base protocol's framing, read leniently and re-synchronised after bad frames.

pygls 2.1 matches each header line against `^Content-Length: (\\d+)\\r\\n$` exactly. A frame
with `content-length: 2`, `Content-Length:   2   `, LF-only line endings or no usable length
never matches; its body is then read as the start of the next header line, so every later
header fails too and the server goes deaf for good. Here header names match without regard
to case and whitespace, LF and CRLF both end a line, and a header block without a valid
length is dropped: the reader reports it and looks for the next `Content-Length` header,
even one glued to the end of the dropped body (bodies end without a newline).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)

LENGTH_HEADER = re.compile(rb"content-length[ \t]*:[ \t]*([^\s]*)", re.IGNORECASE)
MAX_LENGTH_DIGITS = 18  # int() of thousands of digits is slow; no real frame is that big
CARRY = 64  # bytes of a cut-off line kept, so a header split across two reads still matches
MAX_LINE = 64 * 1024


class AsyncLineReader(Protocol):
    """What pygls' stdin reader offers: a line (at most some bound) or n bytes."""

    def readline(self) -> Awaitable[bytes]: ...

    def readexactly(self, n: int) -> Awaitable[bytes]: ...


@dataclass(frozen=True)
class BadFrame:
    """A header block that could not be used; its body (if any) is skipped."""

    reason: str


class FrameReader:
    """Yields each frame's body, a `BadFrame` for a dropped header block, None at EOF."""

    def __init__(self, reader: AsyncLineReader) -> None:
        self._reader = reader
        self._carry = b""

    async def next(self) -> bytes | BadFrame | None:
        length: int | None = None
        problem = ""
        headers = 0
        while True:
            line = await self._reader.readline()
            if not line:
                return None
            text, self._carry = self._carry + line, b"" if line.endswith(b"\n") else line[-CARRY:]
            if not text.strip():
                if length is not None:
                    return await self._body(length)
                if headers:  # a header block ended without a usable length: skip it
                    return BadFrame(problem or "no Content-Length header")
                continue  # a stray blank line between frames
            headers += 1
            match = LENGTH_HEADER.search(text)
            if match is None:
                continue  # another header (Content-Type), or the rest of a dropped body
            value = match.group(1)
            if value.isdigit() and len(value) <= MAX_LENGTH_DIGITS:
                length, problem = int(value), ""
            else:
                length, problem = None, f"invalid Content-Length {value[:40]!r}"

    async def _body(self, length: int) -> bytes | None:
        if length == 0:
            return b""
        body = await self._reader.readexactly(length)
        return body or None


class StreamLines:
    """An `asyncio.StreamReader` (the TCP server) read like pygls' stdin reader: lines of at
    most MAX_LINE bytes, and short reads instead of exceptions at the end of the stream."""

    def __init__(self, stream: asyncio.StreamReader) -> None:
        self._stream = stream

    async def readline(self) -> bytes:
        try:
            return await self._stream.readuntil(b"\n")
        except asyncio.IncompleteReadError as exc:
            return exc.partial
        except asyncio.LimitOverrunError as exc:
            return await self._stream.read(max(1, min(exc.consumed, MAX_LINE)))

    async def readexactly(self, n: int) -> bytes:
        try:
            return await self._stream.readexactly(n)
        except asyncio.IncompleteReadError as exc:
            return exc.partial
