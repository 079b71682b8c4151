"""Request bodies as JSON, refused early when hostile: over the route's size limit, nested
too deep, or carrying integers too long to convert. Errors are `ApiError`s (413, 422)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from server.http.errors import ApiError

BODY_LIMIT_KEY = web.RequestKey("auro_body_limit", int)  # this route's limit, set by middleware
MAX_JSON_DEPTH = 64  # no request model nests deeper than a handful of levels
MAX_JSON_INT_DIGITS = 400  # more than any float's range (1.8e308) needs
_ZERO_DIGITS = bytes.maketrans(b"123456789", b"000000000")  # then one substring search
_LONG_RUN = b"0" * (MAX_JSON_INT_DIGITS + 1)
_NARROW_INT_BITS = 1328  # integers this narrow have at most 400 digits: only wider are counted


class _LongInteger(str):
    """An integer literal too long to convert: kept as text so its field can be named."""


def _parse_int(text: str) -> int | _LongInteger:
    return int(text) if len(text) <= MAX_JSON_INT_DIGITS else _LongInteger(text)


def _bad_json(path: list[str | int], message: str) -> ApiError:
    shown = ".".join(str(p) for p in path[:8])
    field = (shown + ".…" if len(path) > 8 else shown) or "body"
    return ApiError(
        422, "invalid_json", f"{field}: {message}", [{"field": field, "message": message}]
    )


def _too_long(value: Any) -> bool:
    """An integer past `MAX_JSON_INT_DIGITS` (json.loads makes exact types: `is` suffices)."""
    kind = type(value)
    if kind is _LongInteger:
        return True
    return (
        kind is int
        and value.bit_length() > _NARROW_INT_BITS
        and len(str(abs(value))) > MAX_JSON_INT_DIGITS
    )


_Node = tuple[Any, int, "tuple[_Node, str | int] | None"]  # value, depth, (parent, key)


def _path(node: _Node, key: str | int) -> list[str | int]:
    path = [key]
    link = node[2]
    while link is not None:
        node, step = link
        path.append(step)
        link = node[2]
    return path[::-1]


def _check_shape(value: Any) -> None:
    """422 naming the first field nested too deeply or holding an over-long integer.

    Iterative, so the check cannot run out of stack; only containers are queued and paths
    are rebuilt only for the field reported, so a 1 MB body costs milliseconds.
    """
    if type(value) not in (dict, list):
        return
    stack: list[_Node] = [(value, 1, None)]
    while stack:
        node = stack.pop()
        item, depth, _ = node
        for key, child in item.items() if type(item) is dict else enumerate(item):
            kind = type(child)
            if kind is dict or kind is list:
                if depth >= MAX_JSON_DEPTH:
                    raise _bad_json(_path(node, key), f"nested deeper than {MAX_JSON_DEPTH} levels")
                stack.append((child, depth + 1, (node, key)))
            elif (kind is int or kind is _LongInteger) and _too_long(child):
                raise _bad_json(
                    _path(node, key), f"integer longer than {MAX_JSON_INT_DIGITS} digits"
                )


async def read_body(request: web.Request) -> bytes:
    """The body, cut off at this route's limit: aiohttp's own cap (`client_max_size`) is the
    largest limit of any route, so a chunked body without Content-Length is counted here."""
    limit = request.get(BODY_LIMIT_KEY)
    if limit is None:
        return await request.read()
    body = bytearray()
    while chunk := await request.content.read(65_536):
        body += chunk
        if len(body) > limit:
            raise ApiError(413, "body_too_large", f"request body larger than {limit} bytes")
    return bytes(body)


async def read_json(request: web.Request) -> Any:
    """The request body as JSON (an empty body is `{}`); 422 `invalid_json` otherwise.

    Hostile shapes are refused here, before validation: nesting beyond `MAX_JSON_DEPTH`
    (the C parser itself raises RecursionError at ~1,000) and integers past
    `MAX_JSON_INT_DIGITS` (Python refuses to convert more than 4,300 digits).
    """
    raw = await read_body(request)
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except RecursionError:
        raise _bad_json([], f"nested deeper than {MAX_JSON_DEPTH} levels") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ApiError(422, "invalid_json", "the body is not valid JSON") from None
    except ValueError:  # an integer too long to convert: parse again to find its field
        value = json.loads(raw, parse_int=_parse_int)
    if _too_long(value):
        raise _bad_json([], f"integer longer than {MAX_JSON_INT_DIGITS} digits")
    if _may_be_hostile(raw):
        _check_shape(value)
    return value


def _may_be_hostile(raw: bytes) -> bool:
    """Whether the shape walk can find anything: a cheap scan that skips it for most bodies.

    Fewer brackets than the depth limit cannot nest past it, and no run of more digits than
    the limit means no integer that long. UTF-16/32 bodies (a NUL in the first four bytes:
    JSON starts with an ASCII character) are always walked.
    """
    return (
        b"\0" in raw[:4]
        or raw.count(b"[") + raw.count(b"{") > MAX_JSON_DEPTH
        or _LONG_RUN in raw.translate(_ZERO_DIGITS)
    )
