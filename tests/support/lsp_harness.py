"""Starts the real `auro-pai lsp` in a subprocess and drives it with pytest-lsp's client.

Only public pygls / pytest-lsp API: the client is built with its own converter (see
`converter`), and a test that fails mid-session ends the server by closing its stdin.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import sys
from collections import defaultdict
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Union

from cattrs import Converter
from lsprotocol import types
from pygls.protocol import default_converter
from pygls.uris import from_fs_path
from pytest_lsp import LanguageClient, client_capabilities
from pytest_lsp.client import register_lsp_features

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


def converter() -> Converter:
    """pygls' converter, except that an item with a `command` object is a CodeAction.

    lsprotocol (2025.0) decodes any `textDocument/codeAction` item that has a `command` key as
    a Command, so a CodeAction carrying its command would lose its title, kind and edit; a
    Command's `command` is a string, a CodeAction's an object.
    """
    made = default_converter()

    def command_or_action(item: Any, _: type) -> types.Command | types.CodeAction:
        if isinstance(item.get("command"), str):
            return made.structure(item, types.Command)
        return made.structure(item, types.CodeAction)

    # the exact type lsprotocol registers its own hook for
    made.register_structure_hook(Union[types.Command, types.CodeAction], command_or_action)  # noqa: UP007
    return made


def make_client() -> LanguageClient:
    """pytest-lsp's test client (its handlers for configuration, progress, messages and
    showDocument) with `converter`."""
    client = LanguageClient(converter_factory=converter)
    register_lsp_features(client)
    return client


async def close_stdin(client: LanguageClient) -> None:
    """End the server as an editor that died would: it leaves within 1 s of its stdin's end
    (a backstop timer ends it even if its event loop is stuck), so `client.stop()` returns."""
    writer = client.protocol.writer
    if writer is not None:
        closed = writer.close()
        if inspect.isawaitable(closed):
            await closed


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
    client = make_client()
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
        await close_stdin(client)
        raise
    finally:
        await client.stop()
