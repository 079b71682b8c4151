"""Who may talk to the HTTP API: bearer token, Host allow-list, CORS; the exposure check.

Every middleware here reads the settings in force on each request, so an editor's
configuration change applies without a restart. How much a client may send is `limits.py`.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import re
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

from server.config import Settings
from server.http.errors import json_error
from server.http.routing import (
    CORS_ORIGIN_KEY,
    is_probe,
    is_public,
)

log = logging.getLogger(__name__)

TOKEN_FILE = "http_token"
MIN_EXPOSED_TOKEN = 16
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
ALLOWED_HEADERS = "Authorization, Content-Type, Accept, X-Request-Id, Last-Event-ID"
EXPOSED_HEADERS = "X-Request-Id, Retry-After"
# host = reg-name (letters, digits, `-`, `.`, `_`, `~`) or IPv4, or `[IPv6]`; then `:digits`.
_HOST_HEADER = re.compile(
    r"(?:(?P<name>[a-z0-9._~-]+)|\[(?P<v6>[0-9a-f:.]+)\])(?::(?P<port>[0-9]{1,5}))?",
    re.IGNORECASE | re.ASCII,  # ASCII: the Kelvin sign must not pass for a `k`
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


# --- tokens -------------------------------------------------------------------------------


def workspace_token(data_dir: Path) -> str:
    """The workspace's token from `<data_dir>/http_token` (mode 0600), created if absent."""
    path = data_dir / TOKEN_FILE
    try:
        token = path.read_text().strip()
    except FileNotFoundError:
        token = ""
    if len(token) >= MIN_EXPOSED_TOKEN:
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
        return token
    data_dir.mkdir(parents=True, exist_ok=True)
    fresh = secrets.token_urlsafe(32)
    tmp = data_dir / f".{TOKEN_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(fresh + "\n")
        if token:  # present but unusable (empty/short): replace it
            os.replace(tmp, path)
            return fresh
        try:
            os.link(tmp, path)  # atomic: loses to a concurrent writer instead of clobbering it
        except FileExistsError:
            return path.read_text().strip()
        return fresh
    finally:
        tmp.unlink(missing_ok=True)


class TokenAuth:
    """The accepted bearer tokens: AURO_HTTP_TOKEN, else each open workspace's own token."""

    def __init__(self, services) -> None:
        self._services = services
        self._cache: dict[Path, str] = {}

    @property
    def settings(self) -> Settings:
        return self._services.settings

    @property
    def enabled(self) -> bool:
        return self.settings.http_auth

    def tokens(self) -> list[str]:
        if self.settings.http_token:
            return [self.settings.http_token]
        tokens = []
        for workspace in self._services.workspaces:
            if workspace.data_dir not in self._cache:
                self._cache[workspace.data_dir] = workspace_token(workspace.data_dir)
            tokens.append(self._cache[workspace.data_dir])
        return tokens

    def primary(self) -> str | None:
        """The token to hand to a client (`auro-pai serve` output, `auro/status`)."""
        if not self.enabled:
            return None
        tokens = self.tokens()
        return tokens[0] if tokens else None

    def accepts(self, presented: str) -> bool:
        """Constant-time comparison against every accepted token.

        Header bytes that are not UTF-8 reach us as surrogate escapes; they are compared as
        the bytes that were sent (and never match), instead of failing to encode.
        """
        sent = presented.encode("utf-8", "surrogateescape")
        ok = False
        for token in self.tokens():
            ok |= hmac.compare_digest(sent, token.encode())
        return ok


# --- binding -------------------------------------------------------------------------------


class ExposureRefused(OSError):
    """Refusing to listen beyond loopback without a token (an OSError: callers that already
    report "cannot listen" errors, like the LSP sidecar start, report this one too)."""


def is_loopback(host: str) -> bool:
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name, '' or 0.0.0.0-like: may be reachable from elsewhere


def check_exposure(settings: Settings, host: str) -> None:
    """Beyond loopback, demand auth on and an explicit, long enough AURO_HTTP_TOKEN."""
    if is_loopback(host):
        if not settings.http_auth:
            log.warning(
                "HTTP auth is OFF (AURO_HTTP_AUTH=false): any local process may call the API"
            )
        return
    if not settings.http_auth:
        raise ExposureRefused(
            f"refusing to listen on {host or 'all interfaces'} with AURO_HTTP_AUTH=false: "
            "binding beyond loopback requires the bearer token"
        )
    if len(settings.http_token) < MIN_EXPOSED_TOKEN:
        raise ExposureRefused(
            f"refusing to listen on {host or 'all interfaces'} without a token: "
            "set AURO_HTTP_TOKEN "
            f"(at least {MIN_EXPOSED_TOKEN} characters, e.g. from `python -c "
            "'import secrets; print(secrets.token_urlsafe(32))'`)"
        )


# --- helpers -------------------------------------------------------------------------------


def host_name(header: str) -> str | None:
    """The host of a `Host` header, or None when it is malformed.

    Strict RFC 3986 authority without userinfo: a DNS-style name or an IPv4 address, or an
    IPv6 address in brackets, then at most `:port` (digits). `[::1]:80` -> `::1`,
    `Example.com.:8000` -> `example.com`; `localhost:1@evil`, `localhost:evil.com` and
    `[127.0.0.1]x` -> None (a lenient split would have read them as local names).
    """
    match = _HOST_HEADER.fullmatch(header.strip())
    if match is None or (match["port"] and int(match["port"]) > 65535):
        return None
    if match["v6"] is None:
        return match["name"].lower().rstrip(".") or None
    try:
        return str(ipaddress.IPv6Address(match["v6"]))
    except ValueError:
        return None


def _bind_name(bind_host: str) -> str:
    """The listening address as a Host would name it (`::1`, `[::1]` -> `::1`)."""
    return bind_host.strip().strip("[]").lower().rstrip(".")


def allowed_hosts(settings: Settings, bind_host: str) -> set[str]:
    return {
        *LOOPBACK_NAMES,
        _bind_name(bind_host),
        *(h.lower() for h in settings.http_allowed_hosts),
    }


def _origin_allowed(settings: Settings, origin: str) -> bool:
    allowed = [o.rstrip("/") for o in settings.http_cors_origins]
    return "*" in allowed or origin.rstrip("/") in allowed


def _same_origin(request: web.Request, origin: str) -> bool:
    try:
        parts = urlsplit(origin)
    except ValueError:  # e.g. an unclosed `[`: not an origin at all, so not ours
        return False
    return bool(parts.netloc) and parts.netloc.lower() == (request.host or "").lower()


# --- middlewares ---------------------------------------------------------------------------


def host_check(settings: Callable[[], Settings], bind_host: str):
    """403 for a Host header that is not ours: defeats DNS rebinding from a web page."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        current = settings()
        if is_probe(request) or "*" in current.http_allowed_hosts:
            return await handler(request)
        name = host_name(request.headers.get("Host", ""))
        if name is None:
            return json_error(
                400,
                "invalid_host",
                "the Host header is not host[:port] (a name, an IPv4 address or [IPv6])",
                details=[{"field": "header.Host", "message": "malformed"}],
            )
        if name not in allowed_hosts(current, bind_host):
            return json_error(
                403,
                "host_not_allowed",
                "this Host is not served; add it to AURO_HTTP_ALLOWED_HOSTS if it is yours",
            )
        return await handler(request)

    return middleware


def cors(settings: Callable[[], Settings]):
    """CORS closed unless AURO_HTTP_CORS_ORIGINS lists the origin; no credentials, ever.

    A cross-origin request from an origin not listed is refused outright (403), so a web page
    cannot even fire a "simple" request at the API.
    """

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if origin is None or is_probe(request):
            return await handler(request)
        current = settings()
        preflight = (
            request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers
        )
        allowed = _origin_allowed(current, origin)
        if preflight:
            if not allowed:
                return json_error(403, "cors_refused", "cross-origin requests are not allowed")
            return web.Response(
                status=204,
                headers={
                    "Access-Control-Allow-Origin": origin,
                    "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE",
                    "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                    "Access-Control-Max-Age": "600",
                    "Vary": "Origin",
                },
            )
        if not allowed and not _same_origin(request, origin):
            return json_error(403, "origin_not_allowed", "cross-origin requests are not allowed")
        if allowed:
            request[CORS_ORIGIN_KEY] = origin  # added to the response headers on prepare
        return await handler(request)

    return middleware


def bearer_auth(auth: TokenAuth):
    """401 unless `Authorization: Bearer <token>` matches (probes are public)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not auth.enabled or is_public(request):
            return await handler(request)
        scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
        if (
            scheme.lower() != "bearer"
            or not presented.strip()
            or not auth.accepts(presented.strip())
        ):
            return json_error(
                401,
                "unauthorized",
                "missing or wrong bearer token (Authorization: Bearer <token>)",
                headers={"WWW-Authenticate": 'Bearer realm="auro-pai"'},
            )
        return await handler(request)

    return middleware
