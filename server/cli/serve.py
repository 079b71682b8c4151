"""Headless mode: the same services and HTTP API as the language server, without LSP."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from pathlib import Path

from server.cli.context import command_settings
from server.cli.errors import existing_dir
from server.cli.headless import Headless, OpenFailed, headless
from server.config import Settings
from server.http.security import ExposureRefused, check_exposure
from server.http.sidecar import Sidecar
from server.settings_model import SERVE_PORT

log = logging.getLogger(__name__)


async def serve(settings: Settings, workspace: Path) -> int:
    """Serve until SIGINT or SIGTERM, then shut down cleanly."""
    try:
        check_exposure(settings, settings.http_host)  # before any index work
    except ExposureRefused as exc:
        log.error("%s", exc)
        return 2
    try:
        async with headless(settings, workspace, watch=True) as opened:
            return await serve_http(settings, opened)
    except OpenFailed as exc:
        log.error("%s", exc.cause)
        return 2


async def serve_http(settings: Settings, opened: Headless) -> int:
    sidecar = Sidecar(opened.services)
    port = SERVE_PORT if settings.http_port is None else settings.http_port
    try:
        address = await sidecar.start(settings.http_host, port)
    except ExposureRefused as exc:
        log.error("%s", exc)
        return 2
    except OSError as exc:
        log.error(
            "cannot listen on %s:%s: %s; choose another port: auro-pai serve --port PORT "
            "(0 = any free port)",
            settings.http_host,
            port,
            exc.strerror or exc,
        )
        return 1
    print(f"Auro-PAI serving {opened.workspace.root} at {address.url}", flush=True)
    token = sidecar.token
    if token is None:
        print("HTTP auth is OFF (AURO_HTTP_AUTH=false)", flush=True)
    else:
        print(f"API token: {token}", flush=True)
        print(f"Web UI: {address.url}/#token={token}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("shutting down")
    await sidecar.stop()
    return 0


def run(args: argparse.Namespace) -> int:
    root = existing_dir(args.workspace, "--workspace", "auro-pai serve --workspace DIR")
    overrides = {
        k: v for k, v in {"http_host": args.host, "http_port": args.port}.items() if v is not None
    }
    settings, _ = command_settings(args, ("command line", overrides), quiet=False)
    return asyncio.run(serve(settings, root))
