"""One index for the editor and the agent: with `auro-pai lsp` (and its sidecar) running for a
workspace, `auro-pai mcp` goes through that server instead of opening a second writer, and an
edit the language server indexes is what `search_code` finds next."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types
from pygls.uris import from_fs_path

from tests.fakes.openai_server import FakeOpenAIServer
from tests.support.chat_env import chat_env
from tests.support.lsp_harness import lsp_session
from tests.support.lsp_helpers import open_document, wait_indexed
from tests.support.mcp_client import call, error_text, mcp_session

ADDED = '''

def multiply_matrices(left, right):
    """Row-by-column product of two matrices."""
    return [[sum(a * b for a, b in zip(row, col)) for col in zip(*right)] for row in left]
'''


def shared_env(data: Path, fake: FakeOpenAIServer) -> dict[str, str]:
    return chat_env(data, fake, AURO_EMBEDDING_BACKEND="torch", WEB_SEARCH_ENABLED="false")


async def test_an_edit_saved_through_the_language_server_is_found_by_mcp_search(
    fake_openai: FakeOpenAIServer, repo: Path, tmp_path: Path
):
    env = shared_env(tmp_path / "data", fake_openai)
    stderr = tmp_path / "mcp-stderr"
    async with lsp_session(env, [repo]) as (client, recorder):
        status = await recorder.next("auro/status", 1)
        assert status.http.url
        await wait_indexed(client, "divide", "calc.py")
        async with mcp_session(env, repo, stderr) as (session, stray):
            before = await call(session, "search_code", query="multiply matrices", k=3)
            assert "multiply_matrices" not in str(before.structured_content)

            calc = repo / "calc.py"
            open_document(client, calc)
            calc.write_text(calc.read_text() + ADDED)
            client.text_document_did_save(
                types.DidSaveTextDocumentParams(
                    text_document=types.TextDocumentIdentifier(uri=from_fs_path(str(calc)))
                )
            )
            async with asyncio.timeout(60):
                while True:
                    found = await call(session, "search_code", query="multiply matrices", k=3)
                    hits = found.structured_content["results"]
                    if hits and hits[0]["symbol"] == "multiply_matrices":
                        break
                    await asyncio.sleep(0.2)
            assert hits[0]["path"] == "calc.py"

            # the other tools go through the same server and its index
            symbol = (
                await call(session, "find_symbol", name="multiply_matrices")
            ).structured_content
            assert [s["path"] for s in symbol["symbols"]] == ["calc.py"]
            read = await call(
                session, "read_code", path="calc.py", start_line=hits[0]["start_line"]
            )
            assert "def multiply_matrices(left, right):" in read.structured_content["text"]
            assert "secret" in error_text(await call(session, "read_code", path=".env"))
            assert "not inside" in error_text(
                await call(session, "read_code", path="../outside.py")
            )
            files = await session.list_resources()
            assert (repo / "calc.py").resolve().as_uri() in [r.uri for r in files.resources]
            status_now = (await call(session, "index_status")).structured_content
            assert [w["root"] for w in status_now["workspaces"]] == [str(repo.resolve())]
            started = (await call(session, "reindex")).structured_content
            assert started["started"] == [str(repo.resolve())]
            # the server's refusals arrive as tool errors with its reasons
            blocked = await call(session, "fetch_url", url="http://169.254.169.254/")
            assert "link-local" in error_text(blocked)
            disabled = await call(session, "web_search", query="anything")
            assert "web search is disabled" in error_text(disabled)
            bad_glob = await call(session, "search_code", query="x", paths=["\\"])
            assert "paths" in error_text(bad_glob)
        assert stray == []
    log = stderr.read_text()
    assert f"go through the Auro server at {status.http.url}" in log
    assert "in this process" not in log


async def test_ask_codebase_through_the_server_streams_and_cancels_upstream(
    fake_openai: FakeOpenAIServer, repo: Path, tmp_path: Path
):
    env = shared_env(tmp_path / "data", fake_openai)
    async with lsp_session(env, [repo]) as (client, recorder):
        await recorder.next("auro/status", 1)
        await wait_indexed(client, "divide", "calc.py")
        async with mcp_session(env, repo, tmp_path / "mcp-stderr") as (session, stray):
            fake_openai.reply_text = "divide() refuses a zero divisor."
            pieces: list[str] = []

            async def collect(done: float, total: float | None, message: str | None) -> None:
                pieces.append(message or "")

            result = await session.call_tool(
                "ask_codebase", {"question": "What does divide do?"}, progress_callback=collect
            )
            answer = result.structured_content
            assert answer is not None, result.content
            assert answer["text"] == fake_openai.reply_text == "".join(pieces)
            assert "calc.py" in [c["path"] for c in answer["citations"]]

            fake_openai.reply_text = "word " * 200
            fake_openai.delay = 0.05
            arrived = asyncio.Event()

            async def first(done: float, total: float | None, message: str | None) -> None:
                arrived.set()

            asking = asyncio.ensure_future(
                session.call_tool("ask_codebase", {"question": "Talk"}, progress_callback=first)
            )
            await asyncio.wait_for(arrived.wait(), timeout=30)
            asking.cancel()
            await asyncio.gather(asking, return_exceptions=True)
            assert await fake_openai.wait_for_disconnects(1, timeout=5)
            assert fake_openai.completed == 1  # only the first answer ran to its end
        assert stray == []
