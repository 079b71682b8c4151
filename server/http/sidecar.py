"""Runs the HTTP app on the current event loop and reports where it listens."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass

from aiohttp import web

from server.http.app import AUTH, create_app
from server.http.security import TOKEN_FILE, check_exposure
from server.paths import write_private_text
from server.services import Services

log = logging.getLogger(__name__)

# The access log line: client, request line, status, size, seconds and the request id.
ACCESS_LOG_FORMAT = '%a "%r" %s %b %Tfs rid=%{X-Request-Id}o'


@dataclass(frozen=True)
class Address:
    host: str
    port: int

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


class Sidecar:
    """The aiohttp server beside the LSP (or alone, in `serve` mode)."""

    def __init__(self, services: Services):
        self._services = services
        self._runner: web.AppRunner | None = None
        self._app: web.Application | None = None
        self.address: Address | None = None

    @property
    def token(self) -> str | None:
        """The bearer token clients should send (None when auth is off or not started)."""
        return self._app[AUTH].primary() if self._app is not None else None

    async def start(self, host: str, port: int) -> Address:
        """Listen on host:port; `ExposureRefused` beyond loopback without a token."""
        check_exposure(self._services.settings, host)
        self._app = create_app(self._services, bind_host=host)
        self._runner = web.AppRunner(self._app, access_log=log, access_log_format=ACCESS_LOG_FORMAT)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sockname = self._runner.addresses[0]
        self.address = Address(host, sockname[1])
        self.write_address_files()
        log.info("HTTP sidecar listening on %s", self.address.url)
        return self.address

    def write_address_files(self) -> None:
        """Let other local tools find this server: `sidecar.json` in each workspace folder."""
        if self.address is None:
            return
        settings = self._services.settings
        token_file = None if settings.http_token or not settings.http_auth else TOKEN_FILE
        if token_file and self._app is not None:
            self._app[AUTH].tokens()  # creates each workspace's token file if missing
        for workspace in self._services.workspaces:
            write_private_text(
                workspace.data_dir / "sidecar.json",
                json.dumps(
                    {
                        "url": self.address.url,
                        "host": self.address.host,
                        "port": self.address.port,
                        "pid": os.getpid(),  # lets a CLI skip the file a dead server left
                        # the token itself stays in its 0600 file beside this one
                        "token_file": None
                        if token_file is None
                        else str(workspace.data_dir / token_file),
                    }
                ),
            )

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
