"""End to end: the real server process, lifecycle, configuration, sidecar, workspace folders."""

from __future__ import annotations

import asyncio

import aiohttp
from lsprotocol import types
from pygls.uris import from_fs_path

from tests.support.lsp_harness import lsp_session, server_env


async def get_json(url: str, token: str | None = None) -> tuple[int, dict]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with aiohttp.ClientSession(headers=headers) as session:
        async with session.get(url) as response:
            return response.status, await response.json()


async def test_initialize_reports_server_info_and_status(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    async with lsp_session(server_env(tmp_path / "data"), [root]) as (client, recorder):
        status = await recorder.next("auro/status", 1)
        assert status.version
        assert [w.root for w in status.workspaces] == [str(root.resolve())]
        assert status.workspaces[0].dataDir.startswith(str(tmp_path / "data"))
        url = status.http.url
        assert status.http.host == "127.0.0.1"

        code, body = await get_json(f"{url}/api/v1/health/liveness")
        assert (code, body["status"]) == (200, "alive")
        code, body = await get_json(f"{url}/api/v1/health/readiness")
        assert code == 200
        code, body = await get_json(f"{url}/api/v1/health")
        assert code == 401 and body["error"]["code"] == "unauthorized"
        code, body = await get_json(f"{url}/api/v1/health", status.http.token)
        assert code == 200 and "components" in body


async def test_server_info_in_initialize_result(tmp_path):
    from pytest_lsp.client import make_test_lsp_client

    from tests.support.lsp_harness import SERVER

    client = make_test_lsp_client()
    await client.start_io(*SERVER, env=server_env(tmp_path))
    try:
        result = await client.initialize_session(
            types.InitializeParams(capabilities=types.ClientCapabilities())
        )
        assert result.server_info.name == "auro-pai"
        assert result.server_info.version
        await client.shutdown_session()
    finally:
        await client.stop()


async def test_invalid_configuration_warns_and_keeps_old_value(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    env = server_env(tmp_path / "data")
    config = {"auro": {"chunkSize": 200, "logLevel": "INFO"}}
    async with lsp_session(env, [root], configuration=config) as (client, recorder):
        await recorder.next("auro/status", 1)
        assert not [m for m in client.messages if "invalid" in m.message]

        client.set_configuration({"chunkSize": "not-a-number"}, section="auro")
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        for _ in range(200):
            if client.messages:
                break
            await asyncio.sleep(0.05)
        warning = next(m for m in client.messages if "CHUNK_SIZE" in m.message)
        assert warning.type == types.MessageType.Warning
        assert "'not-a-number'" in warning.message and "keeping 200" in warning.message
        # still alive and answering
        status_url = recorder.received["auro/status"][0].http.url
        code, _ = await get_json(f"{status_url}/api/v1/health/liveness")
        assert code == 200


async def test_invalid_initialization_option_warns(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    env = server_env(tmp_path / "data")
    async with lsp_session(
        env, [root], initialization_options={"auro": {"AURO_HTTP_PORT": "eighty"}}
    ) as (client, recorder):
        status = await recorder.next("auro/status", 1)
        assert status.http.port > 0  # fell back to a free port
        assert any("AURO_HTTP_PORT" in m.message for m in client.messages)


async def test_workspace_folders_added_and_removed(tmp_path):
    first, second = tmp_path / "one", tmp_path / "two"
    first.mkdir()
    second.mkdir()
    async with lsp_session(server_env(tmp_path / "data"), [first]) as (client, recorder):
        await recorder.next("auro/status", 1)
        client.workspace_did_change_workspace_folders(
            types.DidChangeWorkspaceFoldersParams(
                event=types.WorkspaceFoldersChangeEvent(
                    added=[types.WorkspaceFolder(uri=from_fs_path(str(second)), name="two")],
                    removed=[],
                )
            )
        )
        status = await recorder.next("auro/status", 2)
        assert {w.root for w in status.workspaces} == {str(first), str(second)}
        client.workspace_did_change_workspace_folders(
            types.DidChangeWorkspaceFoldersParams(
                event=types.WorkspaceFoldersChangeEvent(
                    added=[],
                    removed=[types.WorkspaceFolder(uri=from_fs_path(str(first)), name="one")],
                )
            )
        )
        status = await recorder.next("auro/status", 3)
        assert [w.root for w in status.workspaces] == [str(second)]


async def test_a_folder_not_on_disk_is_skipped_with_a_warning(tmp_path):
    """A virtual workspace folder (not a file: URI) used to fail `initialize` (Path(None))."""
    from pytest_lsp.client import make_test_lsp_client

    from tests.support.lsp_harness import SERVER, Recorder

    root, other = tmp_path / "repo", tmp_path / "other"
    root.mkdir()
    other.mkdir()
    virtual = "vscode-vfs://github/owner/repo"
    client = make_test_lsp_client()
    recorder = Recorder(client)
    recorder.listen("auro/status")
    await client.start_io(*SERVER, env=server_env(tmp_path / "data"))
    try:
        await client.initialize_session(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(),
                workspace_folders=[
                    types.WorkspaceFolder(uri=from_fs_path(str(root)), name="repo"),
                    types.WorkspaceFolder(uri=virtual, name="remote"),
                ],
            )
        )
        status = await recorder.next("auro/status", 1)
        assert [w.root for w in status.workspaces] == [str(root)]
        assert any(virtual in m.message for m in client.messages)

        client.workspace_did_change_workspace_folders(
            types.DidChangeWorkspaceFoldersParams(
                event=types.WorkspaceFoldersChangeEvent(
                    added=[
                        types.WorkspaceFolder(uri=virtual + "2", name="remote2"),
                        types.WorkspaceFolder(uri=from_fs_path(str(other)), name="other"),
                    ],
                    removed=[types.WorkspaceFolder(uri=virtual, name="remote")],
                )
            )
        )
        status = await recorder.next("auro/status", 2)
        assert {w.root for w in status.workspaces} == {str(root), str(other)}
        assert any(virtual + "2" in m.message for m in client.messages)
        await client.shutdown_session()
    finally:
        await client.stop()
