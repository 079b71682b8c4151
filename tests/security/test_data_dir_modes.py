"""The data dir is the user's alone: folders 0700, files 0600, whatever the umask.

End to end: the real `auro-pai lsp` (started with the usual umask 022) indexes a workspace,
keeps a chat session, writes an explanation, its sidecar's token and address files; then
every folder and file in the data dir is checked. An entry an older version left readable
is tightened on start; a foreign file in a shared data dir is left alone.
"""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.uris import from_fs_path

from server.config import Settings
from server.paths import data_root, private_dir, tighten, workspace_data_dir, write_private_text
from tests.fakes import fixtures
from tests.fakes.openai_server import FakeOpenAIServer
from tests.support.chat_env import chat_env
from tests.support.lsp_harness import lsp_session
from tests.support.lsp_helpers import lsp_range, request
from tests.support.sample_code import CALC

fake_openai = fixtures.fake_openai  # the fixture, shared with tests/chat


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The umask most shells start with: group and others may read."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def modes(root: Path) -> dict[str, int]:
    """Mode of every folder and file under `root` (links skipped), by relative path."""
    found = {".": mode(root)}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            if not path.is_symlink():
                found[path.relative_to(root).as_posix()] = mode(path)
    return found


def test_private_files_and_folders_ignore_the_umask(tmp_path: Path, usual_umask: None) -> None:
    folder = private_dir(tmp_path / "a" / "b")
    assert mode(folder) == 0o700
    write_private_text(folder / "new.txt", "x")
    existing = folder / "old.txt"
    existing.write_text("readable")
    existing.chmod(0o644)
    write_private_text(existing, "y")
    assert mode(folder / "new.txt") == mode(existing) == 0o600 and existing.read_text() == "y"


def test_tighten_fixes_auro_entries_and_leaves_foreign_files(
    tmp_path: Path, usual_umask: None
) -> None:
    data = tmp_path / "data"
    (data / "workspaces" / "repo-1" / "chroma").mkdir(parents=True)
    (data / "workspaces" / "repo-1" / "chroma" / "data.bin").write_text("vectors")
    (data / "sessions.sqlite3").write_text("db")
    (data / "sessions.sqlite3-wal").write_text("wal")
    (data / "notes-of-the-user.txt").write_text("not ours")
    os.symlink("/etc/hostname", data / "workspaces" / "link")
    data.chmod(0o755)
    tighten(data)
    assert mode(data / "workspaces") == mode(data / "workspaces" / "repo-1" / "chroma") == 0o700
    assert mode(data / "workspaces" / "repo-1" / "chroma" / "data.bin") == 0o600
    assert mode(data / "sessions.sqlite3") == mode(data / "sessions.sqlite3-wal") == 0o600
    assert mode(data / "notes-of-the-user.txt") == 0o644
    settings = Settings.model_construct().model_copy(update={"data_dir": data})
    assert data_root(settings) == data and mode(data) == 0o700
    folder = workspace_data_dir(settings, tmp_path)
    assert mode(folder) == mode(folder.parent) == 0o700


async def test_everything_the_server_writes_is_private(
    fake_openai: FakeOpenAIServer, tmp_path: Path, usual_umask: None
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "calc.py").write_text(CALC)
    data = tmp_path / "data"
    old = data / "workspaces" / "from-an-older-version"
    old.mkdir(parents=True)
    (old / "index.sqlite3").write_text("old")
    (old / "index.sqlite3").chmod(0o644)
    fake_openai.reply_text = "add() adds."
    env = chat_env(data, fake_openai, AURO_HTTP_TOKEN="")  # the sidecar writes token files
    async with lsp_session(env, [repo]) as (client, recorder):
        await recorder.next("auro/status", 1)
        async with asyncio.timeout(240):
            while not (await request(client, "auro/indexStatus", {}))["complete"]:
                await asyncio.sleep(0.3)
        await request(client, "auro/chat", {"message": "what does add do?"})
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(
                command="auro.explain",
                arguments=[{"uri": from_fs_path(str(repo / "calc.py")), "range": lsp_range(3, 5)}],
            )
        )
    found = modes(data)
    names = {Path(rel).name for rel in found}
    assert {"sessions.sqlite3", "index.sqlite3", "http_token", "sidecar.json"} <= names
    assert any(rel.startswith("explanations/") for rel in found)
    assert any(rel.startswith("models/") for rel in found)
    assert any("chroma" in rel for rel in found)
    loose = {
        rel: oct(m) for rel, m in found.items() if m != (0o700 if (data / rel).is_dir() else 0o600)
    }
    assert loose == {}
