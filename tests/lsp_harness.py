"""Starts the real `auro-pai lsp` in a subprocess and drives it with pytest-lsp's client."""

from __future__ import annotations

import asyncio
import os
import sys
from collections import defaultdict
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import from_fs_path
from pytest_lsp import LanguageClient, client_capabilities
from pytest_lsp.client import make_test_lsp_client

SERVER = [sys.executable, "-m", "server.cli", "lsp"]


def server_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The parent environment, isolated from the user's data and real LLM endpoints."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AURO_", "OPENAI_", "GEMINI_", "LLAMACPP_", "CHROMADB_"))
    }
    env.update(
        AURO_DATA_DIR=str(data_dir),
        XDG_CONFIG_HOME=str(data_dir / "xdg-config"),  # never the developer's own settings
        LLAMACPP_SERVER_URL="",
        AURO_WATCH_FILES="false",
        LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env


class Recorder:
    """Collects custom notifications (e.g. `auro/status`) by method."""

    def __init__(self, client: LanguageClient):
        self.received: dict[str, list[Any]] = defaultdict(list)
        self._events: dict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self._client = client

    def listen(self, method: str) -> None:
        @self._client.feature(method)
        def _record(_: LanguageClient, params: Any) -> None:
            self.received[method].append(params)
            self._events[method].set()

    async def next(self, method: str, count: int, timeout: float = 30) -> Any:
        """Wait until `count` notifications of `method` have arrived; return the last."""
        async with asyncio.timeout(timeout):
            while len(self.received[method]) < count:
                self._events[method].clear()
                await self._events[method].wait()
        return self.received[method][count - 1]


@asynccontextmanager
async def lsp_session(
    env: dict[str, str],
    roots: list[Path],
    *,
    configuration: dict[str, Any] | None = None,
    initialization_options: Any = None,
    capabilities: types.ClientCapabilities | None = None,
    listen: tuple[str, ...] = ("auro/status",),
    cwd: Path | None = None,
):
    """Yield (client, recorder) for an initialized server; shut it down afterwards."""
    client = make_test_lsp_client()
    if configuration is not None:
        client.set_configuration(configuration)
    recorder = Recorder(client)

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(_: LanguageClient, params: types.RegistrationParams) -> None:
        recorder.received[types.CLIENT_REGISTER_CAPABILITY].append(params)

    for method in listen:
        recorder.listen(method)
    await client.start_io(*SERVER, env=env, cwd=cwd)
    try:
        await client.initialize_session(
            types.InitializeParams(
                capabilities=capabilities or client_capabilities("visual-studio-code"),
                workspace_folders=[
                    types.WorkspaceFolder(uri=from_fs_path(str(r)), name=r.name) for r in roots
                ],
                initialization_options=initialization_options,
            )
        )
        yield client, recorder
        await client.shutdown_session()
    except BaseException:
        # A failed assertion must fail the test, not hang it waiting for the server.
        if client._server is not None and client._server.returncode is None:
            client._server.kill()
        raise
    finally:
        await client.stop()
