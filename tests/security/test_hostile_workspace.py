"""End to end: a hostile repository cannot redirect requests, open the API or take the key.

The real `auro-pai lsp` / `serve` / CLI run with the repository as working directory, the
repository's `.env` and `workspace/configuration` answer pointing everything at a trap
listener, and the user's real-looking key in the environment. The trap must hear nothing.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import aiohttp
from lsprotocol import types

from tests.fakes.openai_server import FakeOpenAIServer
from tests.security.hostile import (
    EVIL_ORIGIN,
    GEMINI_KEY,
    USER_KEY,
    Trap,
    hostile_values,
    user_env,
)
from tests.support.lsp_harness import lsp_session
from tests.support.lsp_helpers import request

CLI = [sys.executable, "-m", "server.cli"]
REFUSED = (
    "OPENAI_BASE_URL",
    "LLAMACPP_SERVER_URL",
    "GEMINI_BASE_URL",
    "AURO_LLM_PROVIDERS",
    "AURO_HTTP_AUTH",
    "AURO_HTTP_CORS_ORIGINS",
    "AURO_HTTP_ALLOWED_HOSTS",
    "AURO_FETCH_ALLOW_HOSTS",
    "AURO_INDEX_ALLOW_DIRS",
    "AURO_DATA_DIR",
)


def hostile_configuration(trap: Trap, outside: Path) -> dict[str, Any]:
    """The same attack as a `workspace/configuration` answer (e.g. `.vscode/settings.json`)."""
    values = hostile_values(trap, outside)
    for listed in ("AURO_LLM_PROVIDERS", "AURO_HTTP_CORS_ORIGINS", "AURO_HTTP_ALLOWED_HOSTS"):
        values[listed] = values[listed].split(",")
    values["AURO_HTTP_AUTH"] = False
    values.pop("OPENAI_API_KEY")  # a workspace trying to swap the key is covered by the .env
    return {"auro": {**values, "chunkSize": 200}}


async def call(
    method: str, url: str, token: str | None = None, **kwargs: Any
) -> tuple[int, dict[str, str], Any]:
    headers = dict(kwargs.pop("headers", {}))
    if token:
        headers["Authorization"] = f"Bearer {token}"
    async with aiohttp.ClientSession() as session:
        async with session.request(method, url, headers=headers, **kwargs) as response:
            body = await response.json(content_type=None)
            return response.status, dict(response.headers), body


async def assert_api_stays_closed(url: str, token: str, trap: Trap, outside: Path) -> None:
    """Token required, evil origins and hosts refused, fetch and index not widened."""
    sessions = f"{url}/api/v1/chat/sessions"
    assert token and token != "attacker-known-token"
    assert (await call("GET", sessions))[0] == 401
    assert (await call("GET", sessions, "attacker-known-token"))[0] == 401
    assert (await call("GET", sessions, token))[0] == 200

    status, headers, _ = await call("GET", sessions, token, headers={"Origin": EVIL_ORIGIN})
    assert status == 403 and "Access-Control-Allow-Origin" not in headers
    preflight = {"Origin": EVIL_ORIGIN, "Access-Control-Request-Method": "POST"}
    status, headers, _ = await call("OPTIONS", sessions, headers=preflight)
    assert status == 403 and "Access-Control-Allow-Origin" not in headers
    status, _, body = await call("GET", sessions, token, headers={"Host": "evil.example"})
    assert status == 403 and body["error"]["code"] == "host_not_allowed"

    status, _, body = await call(
        "POST", f"{url}/api/v1/rag/index", token, json={"directory_path": str(outside)}
    )
    assert status == 403 and body["error"]["code"] == "outside_workspace"
    status, _, body = await call(
        "POST", f"{url}/api/v1/tools/fetch", token, json={"url": f"{trap.url}/"}
    )
    assert status == 403 and body["error"]["code"] == "blocked_address"


async def wait_for_message(client, text: str, timeout: float = 10) -> str:
    async with asyncio.timeout(timeout):
        while True:
            for message in client.messages:
                if text in message.message:
                    return message.message
            await asyncio.sleep(0.05)


async def test_lsp_in_a_hostile_repository_keeps_keys_endpoints_and_api_closed(
    fake_openai: FakeOpenAIServer, hostile_repo: Path, trap: Trap, outside: Path, tmp_path: Path
):
    # the user's own llama.cpp server; their OpenAI and Gemini keys rely on the default URLs
    env = user_env(tmp_path, LLAMACPP_SERVER_URL=fake_openai.url)
    async with lsp_session(
        env,
        [hostile_repo],
        configuration=hostile_configuration(trap, outside),
        cwd=hostile_repo,
        listen=("auro/status", "auro/chatChunk"),
    ) as (client, recorder):
        status = await recorder.next("auro/status", 1)
        # told what was ignored, every key named, once
        warning = await wait_for_message(client, "from workspace/configuration")
        for key in REFUSED:
            assert key in warning, key
        assert "CHUNK_SIZE" not in warning  # a workspace-safe key is applied, not refused
        assert sum("workspace/configuration" in m.message for m in client.messages) == 1

        assert status.http.host == "127.0.0.1"
        assert status.workspaces[0].dataDir.startswith(str(tmp_path / "data"))
        await assert_api_stays_closed(status.http.url, status.http.token, trap, outside)

        # the answer comes from the user's server: provider order and URLs are the user's
        result = await request(client, "auro/chat", {"message": "hello", "includeRag": False})
        assert (result["provider"], result["status"]) == ("llamacpp", "completed")
        assert fake_openai.request_count == 1
        assert USER_KEY not in str(fake_openai.requests) and GEMINI_KEY not in str(
            fake_openai.requests
        )
    trap.assert_untouched()


async def test_serve_in_a_hostile_repository_keeps_auth_on(
    hostile_repo: Path, trap: Trap, outside: Path, tmp_path: Path
):
    proc = await asyncio.create_subprocess_exec(
        *CLI,
        "serve",
        "--workspace",
        ".",
        "--port",
        "0",
        cwd=hostile_repo,
        env=user_env(tmp_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 120)).decode()
        assert "serving" in line, line
        token_line = (await asyncio.wait_for(proc.stdout.readline(), 10)).decode()
        assert token_line.startswith("API token: "), token_line
        url = line.rsplit(" at ", 1)[1].strip()
        assert url.startswith("http://127.0.0.1:")
        await assert_api_stays_closed(url, token_line.split(": ", 1)[1].strip(), trap, outside)
        assert not (outside / "data").exists()
        assert list((tmp_path / "data").rglob("sidecar.json"))
    finally:
        proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), 60)
        except TimeoutError:
            proc.kill()  # exit latency is tested elsewhere; never leave the server behind
            await proc.wait()
    trap.assert_untouched()


async def test_cli_chat_in_a_hostile_repository_talks_only_to_the_users_server(
    fake_openai: FakeOpenAIServer, hostile_repo: Path, trap: Trap, tmp_path: Path
):
    proc = await asyncio.create_subprocess_exec(
        *CLI,
        "chat",
        "hello",
        "--workspace",
        ".",
        "--no-rag",
        cwd=hostile_repo,
        env=user_env(tmp_path, LLAMACPP_SERVER_URL=fake_openai.url),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, err.decode()
    assert fake_openai.reply_text in out.decode()
    assert fake_openai.request_count == 1
    trap.assert_untouched()


async def test_config_in_a_hostile_repository_shows_only_user_sources(
    hostile_repo: Path, trap: Trap, tmp_path: Path
):
    env = user_env(tmp_path)
    env.pop("LLAMACPP_SERVER_URL")  # so the default, not the repository's value, must show
    proc = await asyncio.create_subprocess_exec(
        *CLI,
        "config",
        cwd=hostile_repo,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    text = out.decode()
    assert str(trap.port) not in text and "evil" not in text
    for secret in (USER_KEY, GEMINI_KEY, "sk-repo-key-for-the-app", "attacker-known-token"):
        assert secret not in text
    assert "# from environment\nOPENAI_API_KEY=********\n" in text
    assert "# from default\nOPENAI_BASE_URL=https://api.openai.com/v1\n" in text
    assert "# from default\nLLAMACPP_SERVER_URL=http://127.0.0.1:8080\n" in text
    assert "# from default\nAURO_HTTP_AUTH=true\n" in text
    assert "# from default\nAURO_HTTP_CORS_ORIGINS=\n" in text
    assert "# from default\nAURO_INDEX_ALLOW_DIRS=\n" in text


async def test_pushed_configuration_is_held_to_the_same_rule(
    tmp_path: Path, trap: Trap, outside: Path
):
    """A client without `workspace/configuration` pushes settings in didChangeConfiguration."""
    root = tmp_path / "repo"
    root.mkdir()
    capabilities = types.ClientCapabilities()  # no workspace.configuration: push mode
    async with lsp_session(user_env(tmp_path), [root], capabilities=capabilities) as (
        client,
        recorder,
    ):
        status = await recorder.next("auro/status", 1)
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings=hostile_configuration(trap, outside))
        )
        warning = await wait_for_message(client, "from workspace/didChangeConfiguration")
        assert all(key in warning for key in REFUSED)
        await assert_api_stays_closed(status.http.url, status.http.token, trap, outside)
    trap.assert_untouched()
