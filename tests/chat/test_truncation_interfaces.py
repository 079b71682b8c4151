"""A reply cut by the reply limit is reported as truncated in every interface, and sending
"continue" in the same session carries on from the partial answer.

REST runs in-process on the real app; the CLI and the LSP server are the real processes. The
fake LLM honours `max_tokens` like llama-server (one piece, one token; `finish_reason:
"length"` when cut). Code actions: a cut answer is reported, never offered as a half edit.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import client_capabilities

from server.chat.reply_limit import CEILING_TOKENS, FLOOR_TOKENS, suggestion_reply_limit
from server.config import Settings
from server.http.app import create_app
from server.services import Services
from tests.chat.conftest import chat_env
from tests.chat.lsp_helpers import open_document, request
from tests.chat.test_cli_chat import run_cli
from tests.chat.test_code_actions import REFACTOR, code_actions
from tests.chat.test_rest_chat import events
from tests.fakes.common import Reply
from tests.fakes.openai_server import FakeOpenAIServer
from tests.lsp_harness import lsp_session

LIMIT = 16
LONG_REPLY = Reply(text="word " * 40, chunk_chars=5)  # 40 tokens in the fake
PARTIAL = ("word " * 40)[: LIMIT * 5]
NOTICE = f"The reply was cut off after {LIMIT} tokens by the reply limit of {LIMIT} tokens."


def replayed(fake: FakeOpenAIServer, index: int) -> list[tuple[str, str]]:
    return [(m["role"], m["content"]) for m in fake.requests[index]["messages"]]


@pytest.fixture
async def api(fake_openai: FakeOpenAIServer, tmp_path: Path) -> AsyncIterator[TestClient]:
    settings = Settings.model_validate(
        {
            "data_dir": str(tmp_path / "data"),
            "llamacpp_server_url": "",
            "gemini_api_key": "",
            "openai_api_key": "test",
            "openai_base_url": f"{fake_openai.url}/v1",
            "llm_max_retries": 0,
            "llm_reply_reserve": LIMIT,
            "http_auth": False,
        }
    )
    services = await Services.open(settings)
    client = TestClient(TestServer(create_app(services)))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()
        await services.close()


async def test_rest_json_and_sse_report_truncation_and_continue(api: TestClient, fake_openai):
    fake_openai.push(LONG_REPLY)
    response = await api.post(
        "/api/v1/chat", json={"message": "Tell me all.", "include_rag": False}
    )
    body = await response.json()
    assert response.status == 200 and fake_openai.requests[0]["max_tokens"] == LIMIT
    assert (body["text"], body["status"], body["truncated"]) == (PARTIAL, "completed", True)
    assert body["notices"][0].startswith(NOTICE) and '"continue"' in body["notices"][0]
    history = await (await api.get(f"/api/v1/chat/sessions/{body['session_id']}/history")).json()
    assert history["turns"][1]["usage"]["truncated"] is True

    fake_openai.push(LONG_REPLY)
    streamed = await api.post(
        "/api/v1/chat",
        json={
            "message": "continue",
            "session_id": body["session_id"],
            "include_rag": False,
            "stream": True,
        },
    )
    payloads = [p async for p in events(streamed)]
    assert payloads[-1] == "[DONE]"
    final = json.loads(payloads[-2])
    assert final["truncated"] is True and final["notices"][0].startswith(NOTICE)
    texts = [json.loads(p)["text"] for p in payloads[:-2]]
    assert "".join(texts) == final["text"] == PARTIAL
    assert replayed(fake_openai, 1)[-3:] == [
        ("user", "Tell me all."),
        ("assistant", PARTIAL),
        ("user", "continue"),
    ]


async def test_cli_says_the_reply_was_cut_and_how_to_continue(
    fake_openai: FakeOpenAIServer, repo: Path, tmp_path: Path
):
    env = chat_env(tmp_path / "data", fake_openai, AURO_LLM_REPLY_RESERVE=str(LIMIT))
    fake_openai.push(LONG_REPLY)
    code, out, err = await run_cli(env, "Tell me all.", "--workspace", str(repo), "--no-rag")
    assert code == 0, err
    assert out.startswith(PARTIAL) and fake_openai.requests[0]["max_tokens"] == LIMIT
    assert f"note: {NOTICE}" in err
    session = err.split("session: ")[1].split()[0]
    assert f"to continue: auro-pai chat --session {session} continue" in err

    fake_openai.push(LONG_REPLY)
    code, out, err = await run_cli(
        env, "continue", "--workspace", str(repo), "--session", session, "--no-rag", "--json"
    )
    assert code == 0, err
    result = json.loads(out)
    assert result["truncated"] is True and result["notices"][0].startswith(NOTICE)
    assert ("assistant", PARTIAL) in replayed(fake_openai, 1)


async def test_lsp_chat_result_is_marked_truncated_and_continues(
    fake_openai: FakeOpenAIServer, repo: Path, tmp_path: Path
):
    env = chat_env(tmp_path / "data", fake_openai, AURO_LLM_REPLY_RESERVE=str(LIMIT))
    async with lsp_session(env, [repo]) as (client, recorder):
        await recorder.next("auro/status", 1)
        fake_openai.push(LONG_REPLY)
        first = await request(client, "auro/chat", {"message": "Tell me all.", "includeRag": False})
        assert (first["text"], first["status"], first["truncated"]) == (PARTIAL, "completed", True)
        assert first["notices"][0].startswith(NOTICE)
        assert fake_openai.requests[0]["max_tokens"] == LIMIT

        second = await request(
            client,
            "auro/chat",
            {"message": "continue", "sessionId": first["sessionId"], "includeRag": False},
        )
    assert second["truncated"] is False and second["notices"] == []
    assert ("assistant", PARTIAL) in replayed(fake_openai, 1)


async def test_a_cut_code_action_answer_is_reported_not_offered(
    fake_openai: FakeOpenAIServer, repo: Path, tmp_path: Path
):
    env = chat_env(tmp_path / "data", fake_openai)
    caps = client_capabilities("visual-studio-code")
    async with lsp_session(env, [repo], capabilities=caps) as (client, recorder):
        await recorder.next("auro/status", 1)
        uri = open_document(client, repo / "calc.py")
        actions = await code_actions(client, uri, [])
        # the window cut it: the text looks whole, but the server said `length`
        fake_openai.push(Reply(text=REFACTOR, finish_reason="length"))
        with pytest.raises(JsonRpcException, match="cut off") as refused:
            await client.code_action_resolve_async(actions["Auro: Refactor selection"])
    assert refused.value.code == types.LSPErrorCodes.RequestFailed
    assert "no edit is offered" in str(refused.value)
    assert fake_openai.requests[0]["max_tokens"] == FLOOR_TOKENS, "sized from the selection"


def test_code_action_limit_follows_the_selection_between_floor_and_ceiling():
    assert suggestion_reply_limit("refactor", "x = 1") == FLOOR_TOKENS
    line = "    total = compute_the_total(alpha, beta, gamma)\n"
    medium = suggestion_reply_limit("refactor", line * 40)
    assert FLOOR_TOKENS < medium < suggestion_reply_limit("tests", line * 40) < CEILING_TOKENS
    assert suggestion_reply_limit("tests", line * 2000) == CEILING_TOKENS
