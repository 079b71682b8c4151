"""Client URIs are confined: outside the roots, devices, FIFOs, folders, links leaving the root
and oversized files are refused with InvalidParams (-32602) by the real `auro-pai lsp`,
quickly, before any model call, and the server keeps answering.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.uris import from_fs_path
from pytest_lsp import LanguageClient

from tests.fakes import fixtures
from tests.fakes.openai_server import FakeOpenAIServer
from tests.support.chat_env import chat_env
from tests.support.lsp_harness import lsp_session
from tests.support.lsp_helpers import lsp_range, request
from tests.support.sample_code import CALC

fake_openai = fixtures.fake_openai  # the fixture, shared with tests/chat
INVALID_PARAMS = -32602
MAX_FILE_BYTES = 4096
TESTS_ANSWER = (
    "Tests.\n\n```python\nfrom calc import add\n\n\n"
    "def test_add():\n    assert add(1, 2) == 3\n```\n"
)
REFUSAL_S = 5.0  # generous: a refusal is a stat call, reading /dev/zero never ends


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "pkg").mkdir(parents=True)
    (root / "calc.py").write_text(CALC)
    (root / "big.py").write_text("x = 1\n" * (MAX_FILE_BYTES // 4))
    os.mkfifo(root / "pipe.py")
    (tmp_path / "outside.py").write_text("def outside_secret_function():\n    pass\n")
    os.symlink(tmp_path / "outside.py", root / "escape.py")
    os.symlink("/dev/zero", root / "zero.py")
    return root


def bad_uris(repo: Path) -> dict[str, tuple[str, str]]:
    """{case: (uri, words the refusal must contain)}."""
    outside = repo.parent / "outside.py"
    return {
        "device": ("file:///dev/zero", "outside the workspace"),
        "outside the roots": (from_fs_path(str(outside)), "outside the workspace"),
        "dot-dot": (from_fs_path(str(repo)) + "/../outside.py", "outside the workspace"),
        "link leaving the root": (from_fs_path(str(repo / "escape.py")), "outside the workspace"),
        "link to a device": (from_fs_path(str(repo / "zero.py")), "outside the workspace"),
        "fifo": (from_fs_path(str(repo / "pipe.py")), "not a regular file"),
        "directory": (from_fs_path(str(repo / "pkg")), "is a directory"),
        "too large": (from_fs_path(str(repo / "big.py")), "max_file_bytes"),
        "missing": (from_fs_path(str(repo / "nope.py")), "cannot read"),
    }


async def refused(call: Any, words: str) -> float:
    """Await `call`; it must fail with InvalidParams naming `words`. Returns seconds taken."""
    started = time.monotonic()
    with pytest.raises(Exception) as error:
        await call
    assert getattr(error.value, "code", None) == INVALID_PARAMS, error.value
    assert words in str(error.value)
    return time.monotonic() - started


def explain(client: LanguageClient, uri: str) -> Any:
    arguments = [{"uri": uri, "range": lsp_range(0, 1)}]
    return client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="auro.explain", arguments=arguments)
    )


async def test_uris_outside_the_roots_and_non_files_are_refused(
    fake_openai: FakeOpenAIServer, repo: Path, tmp_path: Path
) -> None:
    fake_openai.reply_text = "add() adds."
    env = chat_env(tmp_path / "data", fake_openai, AURO_MAX_FILE_BYTES=str(MAX_FILE_BYTES))
    async with lsp_session(env, [repo]) as (client, recorder):
        await recorder.next("auro/status", 1)
        for case, (uri, words) in bad_uris(repo).items():
            took = await refused(explain(client, uri), words)
            assert took < REFUSAL_S, case
            await refused(request(client, "auro/chat", {"message": "hi", "uri": uri}), words)
            data = {"kind": "refactor", "uri": uri, "range": lsp_range(0, 1)}
            action = types.CodeAction(title="Auro: Refactor", data=data)
            await refused(client.code_action_resolve_async(action), words)
            applied = await client.workspace_execute_command_async(
                types.ExecuteCommandParams(command="auro.applySuggestion", arguments=[data])
            )
            assert applied["applied"] is False and words in applied["error"], case
        assert fake_openai.request_count == 0  # nothing was sent anywhere

        # still responsive: a file inside the root is explained as usual
        result = await explain(client, from_fs_path(str(repo / "calc.py")))
        assert result["text"] == "add() adds."
        prompt = fake_openai.requests[-1]["messages"][-1]["content"]
        assert '"""Arithmetic helpers."""' in prompt
        assert "outside_secret_function" not in prompt


async def test_open_buffers_are_used_as_sent_and_never_read_from_disk(
    fake_openai: FakeOpenAIServer, repo: Path, tmp_path: Path
) -> None:
    """A document the client opened may live anywhere: its buffer is the text, the device
    or file behind its URI is not touched."""
    fake_openai.reply_text = "noted"
    env = chat_env(tmp_path / "data", fake_openai)
    async with lsp_session(env, [repo]) as (client, recorder):
        await recorder.next("auro/status", 1)
        for uri, text in (
            ("file:///dev/zero", "def zero_buffer_function():\n    return 0\n"),
            (from_fs_path(str(tmp_path / "outside.py")), "def edited_outside():\n    pass\n"),
        ):
            client.text_document_did_open(
                types.DidOpenTextDocumentParams(
                    text_document=types.TextDocumentItem(
                        uri=uri, language_id="python", version=1, text=text
                    )
                )
            )
            result = await request(
                client, "auro/chat", {"message": "explain", "uri": uri, "includeRag": False}
            )
            assert result["status"] == "completed"
            prompt = fake_openai.requests[-1]["messages"][-1]["content"]
            assert text.splitlines()[0] in prompt
        assert "outside_secret_function" not in str(fake_openai.requests)


async def test_a_test_file_linked_to_a_device_is_refused_not_read(
    fake_openai: FakeOpenAIServer, repo: Path, tmp_path: Path
) -> None:
    """The tests action reads the test file it appends to: a repository can make that path a
    link to /dev/zero. The action is refused with the reason; the server keeps answering."""
    (repo / "tests").mkdir()
    os.symlink("/dev/zero", repo / "tests" / "test_calc.py")
    fake_openai.reply_text = TESTS_ANSWER
    env = chat_env(tmp_path / "data", fake_openai)
    async with lsp_session(env, [repo]) as (client, recorder):
        await recorder.next("auro/status", 1)
        uri = from_fs_path(str(repo / "calc.py"))
        data = {"kind": "tests", "uri": uri, "range": lsp_range(3, 5)}
        started = time.monotonic()
        with pytest.raises(Exception) as error:
            await client.code_action_resolve_async(
                types.CodeAction(title="Auro: Generate tests", data=data)
            )
        assert time.monotonic() - started < 60  # one model call, no endless read
        assert getattr(error.value, "code", None) == types.LSPErrorCodes.RequestFailed
        assert "not a regular file" in str(error.value)
        found = await request(client, "auro/search", {"query": "divide", "k": 3})
        assert "results" in found
