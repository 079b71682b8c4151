"""End to end on the real `auro-pai lsp`: secrets never reach LSP search, REST search or a
prompt (the fake OpenAI server records every request), and a secret named as chat or
code-action context is refused with InvalidParams before any model call.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.uris import from_fs_path
from pytest_lsp import LanguageClient

from server.secret_rules import secret_content_kind
from tests.fakes import fixtures
from tests.fakes.openai_server import FakeOpenAIServer
from tests.security.secret_fixtures import make_secret_repo, secret_texts
from tests.support.chat_env import chat_env
from tests.support.lsp_harness import lsp_session
from tests.support.lsp_helpers import lsp_range, request, rest

fake_openai = fixtures.fake_openai  # the fixture, shared with tests/chat
INVALID_PARAMS = -32602
HOWS = ("explain", "chat", "resolve")


async def settled(client: LanguageClient, timeout: float = 240) -> None:
    async with asyncio.timeout(timeout):
        while not (await request(client, "auro/indexStatus", {}))["complete"]:
            await asyncio.sleep(0.3)


def leaks(text: str, markers: dict[str, str]) -> list[str]:
    """Secret files whose payload shows in `text`."""
    return [rel for rel, word in markers.items() if f"payload-{word}" in text]


def open_buffer(client: LanguageClient, uri: str, text: str) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=text
            )
        )
    )


async def test_secrets_never_reach_search_rest_or_prompts(
    fake_openai: FakeOpenAIServer, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    markers = make_secret_repo(repo)
    fake_openai.reply_text = "ok"
    env = chat_env(tmp_path / "data", fake_openai)
    async with lsp_session(env, [repo]) as (client, recorder):
        status = await recorder.next("auro/status", 1)
        await settled(client)
        for rel, word in markers.items():
            lsp = await request(client, "auro/search", {"query": word, "k": 20})
            assert not leaks(json.dumps(lsp), markers), rel
            code, body = await rest(
                "POST", f"{status.http.url}/api/v1/rag/search", json={"query": word, "k": 20}
            )
            assert code == 200 and not leaks(json.dumps(body), markers), rel
        control = await request(client, "auro/search", {"query": "fibonacci", "k": 5})
        assert control["results"][0]["path"] == "math_utils.py"

        # retrieval for a question naming every secret's marker brings none of them
        words = " ".join(markers.values())
        await request(client, "auro/chat", {"message": f"fibonacci {words}"})
        sent = json.dumps(fake_openai.requests)
        assert "def fibonacci" in sent  # control: retrieval worked
        assert leaks(sent, markers) == [] and secret_content_kind(sent) is None


async def test_secret_context_is_refused_before_the_model(
    fake_openai: FakeOpenAIServer, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    make_secret_repo(repo)
    env = chat_env(tmp_path / "data", fake_openai)
    async with lsp_session(env, [repo]) as (client, recorder):
        await recorder.next("auro/status", 1)
        unsaved = from_fs_path(str(repo / "math_utils.py"))
        open_buffer(client, unsaved, secret_texts()["aws"])  # unsaved: the disk file is clean
        open_env = from_fs_path(str(repo / ".env.local"))
        open_buffer(client, open_env, "A=1\n")
        cases = {
            from_fs_path(str(repo / "notes.txt")): "credential file",
            from_fs_path(str(repo / "deploy_key.txt")): "credential file",
            from_fs_path(str(repo / "SERVER.PEM")): "credential file",
            from_fs_path(str(repo / "conf" / "key_material")): "credential file",
            from_fs_path(str(repo / "src" / "leak_openssh.py")): "holds a credential (private key)",
            unsaved: "holds a credential (AWS access key id)",
            open_env: "credential file",
        }
        for how, (uri, words) in itertools.product(HOWS, cases.items()):
            with pytest.raises(Exception) as error:
                if how == "explain":
                    await client.workspace_execute_command_async(
                        types.ExecuteCommandParams(command="auro.explain", arguments=[{"uri": uri}])
                    )
                elif how == "chat":
                    await request(client, "auro/chat", {"message": "explain", "uri": uri})
                else:
                    data = {"kind": "docstrings", "uri": uri, "range": lsp_range(0, 1)}
                    await client.code_action_resolve_async(
                        types.CodeAction(title="Auro: Add docstrings", data=data)
                    )
            assert getattr(error.value, "code", None) == INVALID_PARAMS, (how, uri)
            assert words in str(error.value) and "does not send it" in str(error.value)
        assert fake_openai.request_count == 0
