"""`search` and `chat` go through the running `serve` of their workspace when there is one
(same output, nothing extra said) and work in-process when its address file is stale."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from server.cli.remote import find_server
from tests.fakes.openai_server import FakeOpenAIServer
from tests.support.chat_env import TOKEN, chat_env
from tests.support.sample_code import CALC, GEOMETRY

REPLY = "divide() refuses a zero divisor."
QUESTION = "What does divide do?"


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A small repository indexed once by `auro-pai index`: (root, data dir)."""
    base = tmp_path_factory.mktemp("remote")
    root = base / "repo"
    root.mkdir()
    (root / "calc.py").write_text(CALC)
    (root / "geometry.py").write_text(GEOMETRY)
    data = base / "data"
    result = subprocess.run(
        [sys.executable, "-m", "server.cli", "index", str(root), "--json"],
        capture_output=True,
        text=True,
        env=chat_env(data, None),
        timeout=240,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["complete"] is True
    assert result.stdout.endswith("}\n")
    return root, data


async def auro(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "server.cli",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(180):
        out, err = await process.communicate()
    return process.returncode, out.decode(), err.decode()


async def start_serve(env: dict[str, str], root: Path) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "server.cli",
        "serve",
        "--workspace",
        str(root),
        "--port",
        "0",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(180):
        line = await process.stdout.readline()
    assert b"serving" in line
    return process


async def stop(process: asyncio.subprocess.Process) -> str:
    """SIGTERM, then the server's log (its access log shows which requests it answered)."""
    process.send_signal(signal.SIGTERM)
    async with asyncio.timeout(60):
        _, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return err.decode()


def address_file(root: Path, data: Path) -> Path:
    [found] = data.rglob("sidecar.json")
    return found


async def search_json(env: dict[str, str], root: Path, *extra: str) -> tuple[dict, str]:
    code, out, err = await auro(
        env, "search", "divide by zero", "--workspace", str(root), "--json", *extra
    )
    assert code == 0, err
    return json.loads(out), err


async def test_search_and_chat_through_serve_match_in_process(
    indexed: tuple[Path, Path], fake_openai: FakeOpenAIServer
):
    root, data = indexed
    fake_openai.reply_text = REPLY
    fake_openai.vision = True
    env = chat_env(data, fake_openai, LOG_LEVEL="INFO")
    local, local_err = await search_json(env, root)
    assert local["complete"] is True and "incomplete" not in local_err
    local_by_file, _ = await search_json(env, root, "--by-file")
    files = [r["path"] for r in local_by_file["results"]]
    assert len(files) == len(set(files)) and set(files) == {r["path"] for r in local["results"]}
    assert local["results"][0]["path"] == "calc.py"
    code, out, err = await auro(env, "chat", QUESTION, "--workspace", str(root), "--json")
    assert code == 0, err
    local_chat = json.loads(out)
    assert {"path": "calc.py"}.items() <= local_chat["citations"][0].items()

    server = await start_serve(env, root)
    try:
        remote, remote_err = await search_json(env, root)
        assert remote_err == ""  # nothing extra is said
        assert remote == local
        assert (await search_json(env, root, "--by-file"))[0] == local_by_file
        code, out, err = await auro(env, "search", "divide by zero", "--workspace", str(root))
        assert (code, err) == (0, "") and out.startswith("calc.py:")
        code, out, err = await auro(env, "chat", QUESTION, "--workspace", str(root), "--json")
        assert code == 0, err
        remote_chat = json.loads(out)
        code, streamed, err = await auro(env, "chat", QUESTION, "--workspace", str(root))
        assert code == 0, err
        picture = root.parent / "shot.png"
        picture.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 24)
        code, _, err = await auro(
            env, "chat", "Drawn?", "--workspace", str(root), "--image", str(picture)
        )
        assert code == 0, err
        parts = fake_openai.requests[-1]["messages"][-1]["content"]
        assert [p["type"] for p in parts].count("image_url") == 1  # sent through the server
    finally:
        log = await stop(server)
    assert log.count('"POST /api/v1/rag/search HTTP/1.1" 200') == 3
    assert log.count('"POST /api/v1/chat HTTP/1.1" 200') == 3
    for key in ("text", "citations", "status", "provider"):
        assert remote_chat[key] == local_chat[key], key
    assert remote_chat["session_id"] != local_chat["session_id"]
    prompts = [r["messages"][-1]["content"] for r in fake_openai.requests[:-1]]  # not the image
    assert len(prompts) == 3 and prompts[0] == prompts[1] == prompts[2]
    assert streamed.startswith(REPLY) and "Sources:\n  calc.py:" in streamed
    assert "session: " in err

    # the server is gone, its address file stays behind: the CLI works on its own
    assert address_file(root, data).exists()
    after, err = await search_json(env, root)
    assert after == local and "Traceback" not in err


async def test_unknown_session_is_refused_and_new_session_starts_one(
    indexed: tuple[Path, Path], fake_openai: FakeOpenAIServer
):
    root, data = indexed
    fake_openai.reply_text = REPLY
    env = chat_env(data, fake_openai)
    args = ("chat", "hi", "--workspace", str(root), "--no-rag", "--json")
    code, out, err = await auro(env, *args, "--session", "mine")
    assert code == 1 and "no chat session 'mine'" in err and out == ""
    assert fake_openai.requests == []
    code, out, err = await auro(env, *args, "--session", "mine", "--new-session")
    assert code == 0, err
    assert json.loads(out)["session_id"] == "mine"
    code, out, err = await auro(env, *args, "--session", "mine")
    assert code == 0, err
    assert [m["content"] for m in fake_openai.requests[1]["messages"][-3:]] == ["hi", REPLY, "hi"]
    code, out, err = await auro(env, *args, "--session", "mine", "--new-session")
    assert code == 1 and "already exists" in err


def test_address_files_are_verified(indexed: tuple[Path, Path], tmp_path: Path):
    """A dead process, a closed port or a server of other roots: no server."""
    root, _ = indexed
    folder = tmp_path / "ws"
    folder.mkdir()
    assert find_server(root, TOKEN, lambda _: folder) is None  # no file
    (folder / "sidecar.json").write_text("{not json")
    assert find_server(root, TOKEN, lambda _: folder) is None
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead = int(finished.stdout)
    for pid, url in ((dead, "http://127.0.0.1:9"), (os.getpid(), "http://127.0.0.1:9")):
        (folder / "sidecar.json").write_text(json.dumps({"url": url, "pid": pid}))
        assert find_server(root, TOKEN, lambda _: folder) is None
    (folder / "sidecar.json").write_text(json.dumps({"url": "file:///etc/passwd"}))
    assert find_server(root, TOKEN, lambda _: folder) is None
