"""One writer per index, across real processes: a language server with its HTTP sidecar off
holds its workspace's index, so `auro-pai mcp`, `index` and `search` (which have no server to
go through) refuse with a clear message instead of opening a second writer, and a second
language server skips the folder with a warning; the lock dies with the process that held
it, however it ends."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path

from tests.support.lsp_harness import lsp_session
from tests.support.lsp_helpers import wait_indexed
from tests.support.mcp_client import mcp_env

IN_USE = "is in use by process"


def auro(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """One `auro-pai` command to its end; stdin is closed (an MCP client that went away)."""
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=180,
    )


def lock_holder(data: Path) -> str:
    """The pid written into the workspace's lock file ("" before there is one)."""
    locks = list(data.rglob("index.lock"))
    return locks[0].read_text().strip() if locks else ""


def assert_refused(result: subprocess.CompletedProcess[str], holder: str) -> None:
    assert result.returncode == 1, result.stderr
    assert f"{IN_USE} {holder}" in result.stderr and "AURO_HTTP_ENABLED" in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert result.stdout == ""  # nothing for an MCP client to mistake for a message


async def test_a_language_server_without_sidecar_keeps_other_commands_off_its_index(
    repo: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    env = mcp_env(data, AURO_HTTP_ENABLED="false")
    async with lsp_session(env, [repo]) as (client, _):
        await wait_indexed(client, "divide", "calc.py")
        holder = lock_holder(data)
        assert holder.isdigit()
        for args in (
            ("mcp", "--workspace", str(repo)),
            ("index", str(repo), "--json"),
            ("search", "divide", "--workspace", str(repo), "--json"),
        ):
            assert_refused(await asyncio.to_thread(auro, env, *args), holder)
        async with lsp_session(env, [repo]) as (second, _):  # pytest-lsp keeps showMessage
            async with asyncio.timeout(120):
                while not any(IN_USE in m.message for m in second.messages):
                    await asyncio.sleep(0.1)
        warning = next(m.message for m in second.messages if IN_USE in m.message)
        assert "skipping workspace folder" in warning  # a second editor's server skips it
        assert f"{IN_USE} {holder}" in warning
        await wait_indexed(client, "divide", "calc.py")  # the holder goes on undisturbed


async def test_the_lock_dies_with_its_process(repo: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = mcp_env(data)
    holder = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "mcp", "--workspace", str(repo)],
        env=env,
        stdin=subprocess.PIPE,  # kept open: the MCP server waits for its client
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        async with asyncio.timeout(120):
            while lock_holder(data) != str(holder.pid):
                assert holder.poll() is None, "the MCP server ended early"
                await asyncio.sleep(0.1)
        refused = await asyncio.to_thread(auro, env, "index", str(repo), "--json")
        assert_refused(refused, str(holder.pid))
    finally:
        holder.send_signal(signal.SIGKILL)  # no clean-up code runs: only the kernel frees it
        holder.wait(30)
    built = await asyncio.to_thread(auro, env, "index", str(repo), "--json")
    assert built.returncode == 0, built.stderr
    found = await asyncio.to_thread(auro, env, "search", "divide", "--workspace", str(repo))
    assert found.returncode == 0 and "calc.py" in found.stdout, found.stderr
