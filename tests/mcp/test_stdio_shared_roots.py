"""An editor with several folders open: `auro-pai mcp` (and `auro-pai search`) for one of
them, or for a folder inside one, goes through that language server instead of opening a
second writer on its index, and sees only the folder it was started for."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from tests.support.chat_env import chat_env
from tests.support.lsp_harness import lsp_session
from tests.support.lsp_helpers import wait_indexed
from tests.support.mcp_client import call, error_text, mcp_session

OTHER = '''
def divide_rations(total, people):
    """Split the food evenly; the other root's code, never this workspace's."""
    return total / people
'''
STATS = '''
def mean_value(values):
    """Arithmetic mean of a list of numbers."""
    return sum(values) / len(values)
'''


async def cli_search(env: dict[str, str], root: Path, query: str) -> tuple[dict, str]:
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "server.cli", "search", query, "--workspace", str(root)),
        *("--json", "--debug"),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(120):
        out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return json.loads(out), err.decode()


async def test_mcp_for_one_of_several_roots_or_a_folder_inside_one_uses_the_server(
    repo: Path, tmp_path: Path
):
    other = tmp_path / "other"
    (other / "lib").mkdir(parents=True)
    (other / "only_other.py").write_text(OTHER)
    (other / "lib" / "stats.py").write_text(STATS)
    lib = other / "lib"
    (tmp_path / "outside.env").write_text("OPENAI_API_KEY=sk-proj-not-for-agents\n")
    os.link(tmp_path / "outside.env", repo / "settings_copy.txt")
    env = chat_env(tmp_path / "data", None, AURO_EMBEDDING_BACKEND="torch")
    async with lsp_session(env, [repo, other]) as (client, recorder):
        status = await recorder.next("auro/status", 1)
        await wait_indexed(client, "divide", "calc.py")
        await wait_indexed(client, "divide", "only_other.py")
        await wait_indexed(client, "mean", "lib/stats.py")

        stderr = tmp_path / "mcp-repo"
        async with mcp_session(env, repo, stderr) as (session, stray):
            found = (await call(session, "search_code", query="divide", k=20)).structured_content
            paths = {r["path"] for r in found["results"]}
            assert "calc.py" in paths and paths <= {"calc.py", "geometry.py"}
            symbols = (await call(session, "find_symbol", name="divide")).structured_content
            assert [s["path"] for s in symbols["symbols"]] == ["calc.py"]
            for path in ("../other/only_other.py", str(other / "only_other.py")):
                assert "not inside" in error_text(await call(session, "read_code", path=path))
            state = (await call(session, "index_status")).structured_content
            assert [w["root"] for w in state["workspaces"]] == [str(repo)]
            uris = [r.uri for r in (await session.list_resources()).resources]
            assert uris and all(u.startswith(repo.as_uri() + "/") for u in uris)
            # the attack cases that the server's files API would otherwise answer
            for path, reason in [
                ("settings_copy.txt", "hard link"),
                ("x/" * 101 + "a.py", "deeper than"),
                ("file://evil.example/etc/passwd", "another host"),
            ]:
                message = error_text(await call(session, "read_code", path=path))
                assert reason in message and "not-for-agents" not in message, (path, message)
            found = await call(session, "search_code", query="OPENAI_API_KEY sk-proj", k=50)
            assert "not-for-agents" not in str(found.structured_content)
        assert stray == []
        assert f"go through the Auro server at {status.http.url}" in stderr.read_text()

        stderr = tmp_path / "mcp-lib"
        async with mcp_session(env, lib, stderr) as (session, stray):
            found = await call(session, "search_code", query="divide mean", k=20)
            assert [r["path"] for r in found.structured_content["results"]] == ["stats.py"]
            globbed = await call(session, "search_code", query="mean", paths=["*.py"])
            assert [r["path"] for r in globbed.structured_content["results"]] == ["stats.py"]
            symbols = (await call(session, "find_symbol", name="mean_value")).structured_content
            assert [(s["root"], s["path"]) for s in symbols["symbols"]] == [(str(lib), "stats.py")]
            assert (await call(session, "find_symbol", name="divide")).structured_content[
                "symbols"
            ] == []
            read = (await call(session, "read_code", path="stats.py")).structured_content
            assert (read["root"], read["path"], read["text"]) == (str(lib), "stats.py", STATS)
            refused = await call(session, "read_code", path="../only_other.py")
            assert "not inside" in error_text(refused)
            uris = [r.uri for r in (await session.list_resources()).resources]
            assert uris == [(lib / "stats.py").as_uri()]
            read_uri = await session.read_resource((lib / "stats.py").as_uri())
            assert read_uri.contents[0].text == STATS
        assert stray == []
        assert f"go through the Auro server at {status.http.url}" in stderr.read_text()

        # `auro-pai search` finds the same server, with the same restriction
        outcome, err = await cli_search(env, repo, "divide")
        paths = {r["path"] for r in outcome["results"]}
        assert "calc.py" in paths and "only_other.py" not in paths
        assert f"searching through the server at {status.http.url}" in err
        outcome, err = await cli_search(env, lib, "mean")
        assert [r["path"] for r in outcome["results"]] == ["stats.py"]
        assert f"searching through the server at {status.http.url}" in err
