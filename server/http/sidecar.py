"""Runs the HTTP app on the current event loop and reports where it listens."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from aiohttp import web

from server.http.app import create_app
from server.services import Services

log = logging.getLogger(__name__)


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
        self.address: Address | None = None

    async def start(self, host: str, port: int) -> Address:
        self._runner = web.AppRunner(create_app(self._services), access_log=log)
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
        for workspace in self._services.workspaces:
            (workspace.data_dir / "sidecar.json").write_text(
                json.dumps(
                    {"url": self.address.url, "host": self.address.host, "port": self.address.port}
                )
            )

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
