"""End to end: `auro/chat` and `auro/usage` on the real server process, the fake as the LLM."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled
from pygls.uris import from_fs_path

from server.lsp import protocol
from server.lsp.params import to_plain
from tests.fakes.openai_server import FakeOpenAIServer
from tests.support.chat_env import chat_env
from tests.support.lsp_harness import lsp_session
from tests.support.lsp_helpers import open_document, request, rest, wait_indexed

REPLY = "divide() raises ZeroDivisionError when b is zero; add() just sums."
LISTEN = ("auro/status", "auro/chatChunk")


async def test_chat_streams_chunks_in_order_and_the_session_is_shared_with_rest(
    fake_openai: FakeOpenAIServer, repo, tmp_path
):
    fake_openai.reply_text = REPLY
    env = chat_env(tmp_path / "data", fake_openai)
    async with lsp_session(env, [repo], listen=LISTEN) as (client, recorder):
        status = await recorder.next("auro/status", 1)
        protocol.ServerStatus.model_validate(to_plain(status))  # the contract, as sent
        await wait_indexed(client, "circle_area", "geometry.py")
        uri = open_document(client, repo / "calc.py")
        # unsaved text in the buffer is what the model sees
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[
                    types.TextDocumentContentChangeWholeDocument(
                        text=(repo / "calc.py").read_text().replace("b == 0", "b == 0.0")
                    )
                ],
            )
        )
        selection = {"start": {"line": 8, "character": 0}, "end": {"line": 11, "character": 0}}
        client.progress_reports["chat-1"] = []  # a client-made token, as the editor would
        result = await request(
            client,
            "auro/chat",
            {
                "message": "When does circle_area or divide fail?",
                "uri": uri,
                "range": selection,
                "workDoneToken": "chat-1",
            },
        )
        chunks = recorder.received["auro/chatChunk"]
        assert [c.index for c in chunks] == list(range(len(chunks))) and len(chunks) > 3
        assert "".join(c.text for c in chunks) == result["text"] == REPLY
        assert {c.sessionId for c in chunks} == {result["sessionId"]}
        assert (result["provider"], result["status"]) == ("openai", "completed")
        assert result["usage"]["completionTokens"] > 0
        protocol.ChatResult.model_validate(result)  # the contract, as sent

        # the selection (from the unsaved buffer) and retrieved code reached the model
        prompt = fake_openai.requests[-1]["messages"][-1]["content"]
        assert "if b == 0.0:" in prompt and "circle_area" in prompt
        cited = {c["uri"] for c in result["citations"]}
        assert uri in cited and from_fs_path(str(repo / "geometry.py")) in cited
        calc = next(c for c in result["citations"] if c["uri"] == uri)
        assert calc["range"]["start"]["line"] == 8
        assert (calc["path"], calc["root"]) == ("calc.py", str(repo))  # as search hits

        reports = client.progress_reports["chat-1"]
        assert isinstance(reports[0], types.WorkDoneProgressBegin)
        assert "".join(r.message for r in reports[1:-1]) == REPLY
        assert isinstance(reports[-1], types.WorkDoneProgressEnd)

        usage = await request(client, "auro/usage", None)
        protocol.Usage.model_validate(usage)
        assert usage["totals"]["requests"] == 1
        assert len(usage["sessions"]) == 1  # keyed by session id (renamed by the decoder)

        base = status.http.url
        code, body = await rest("GET", f"{base}/api/v1/chat/sessions/{result['sessionId']}/history")
        assert code == 200
        assert [(t["role"], t["status"]) for t in body["turns"]] == [
            ("user", "completed"),
            ("assistant", "completed"),
        ]
        assert body["turns"][1]["content"] == REPLY
        # and the other way round: continue the editor's session over REST
        code, body = await rest(
            "POST",
            f"{base}/api/v1/chat",
            json={"message": "Thanks", "session_id": result["sessionId"]},
        )
        assert code == 200 and body["session_id"] == result["sessionId"]
        replayed = [m["content"] for m in fake_openai.requests[-1]["messages"]]
        assert REPLY in replayed


async def test_cancel_closes_the_upstream_stream_and_stores_the_turn_as_cancelled(
    fake_openai: FakeOpenAIServer, repo, tmp_path
):
    fake_openai.reply_text = "word " * 200
    fake_openai.delay = 0.05
    env = chat_env(tmp_path / "data", fake_openai)
    async with lsp_session(env, [repo], listen=LISTEN) as (client, recorder):
        status = await recorder.next("auro/status", 1)
        pending = asyncio.ensure_future(
            request(
                client,
                "auro/chat",
                {"message": "Talk for a long time", "includeRag": False},
                msg_id="chat-cancel",
            )
        )
        await recorder.next("auro/chatChunk", 3)
        client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="chat-cancel"))
        with pytest.raises(JsonRpcRequestCancelled):
            await pending
        assert await fake_openai.wait_for_disconnects(1, timeout=5)
        assert fake_openai.completed == 0

        session_id = recorder.received["auro/chatChunk"][0].sessionId
        url = f"{status.http.url}/api/v1/chat/sessions/{session_id}/history"
        for _ in range(50):
            code, body = await rest("GET", url)
            if len(body["turns"]) == 2:
                break
            await asyncio.sleep(0.1)
        last = body["turns"][-1]
        assert (last["role"], last["status"]) == ("assistant", "cancelled")
        sent = "".join(c.text for c in recorder.received["auro/chatChunk"])
        assert last["content"] and sent.startswith(last["content"])
        # the server is still fine, and the tokens the cancelled turn cost are counted
        usage = await request(client, "auro/usage", None)
        totals = usage["totals"]
        assert (totals["requests"], totals["cancelled"], totals["estimated"]) == (1, 1, 1)
        assert totals["promptTokens"] > 0 and totals["completionTokens"] > 0


async def test_a_loading_model_shows_in_the_chat_progress(
    fake_openai: FakeOpenAIServer, repo, tmp_path
):
    fake_openai.reply_text = REPLY
    fake_openai.loading = True  # llama-server answers 503 "Loading model" while it loads
    env = chat_env(tmp_path / "data", fake_openai)
    async with lsp_session(env, [repo], listen=LISTEN) as (client, _):
        client.progress_reports["chat-load"] = []
        pending = asyncio.ensure_future(
            request(
                client,
                "auro/chat",
                {"message": "Ready?", "includeRag": False, "workDoneToken": "chat-load"},
            )
        )
        while not fake_openai.loading_refusals:
            await asyncio.sleep(0.02)
        fake_openai.load_for(0.3)
        result = await pending
        reports = client.progress_reports["chat-load"]
    assert result["status"] == "completed" and result["text"] == REPLY
    loading = [r.message for r in reports[1:-1] if "is loading its model" in (r.message or "")]
    assert loading and "of up to 120s" in loading[0]


async def test_without_an_llm_the_answer_lists_retrieved_code_and_what_to_configure(repo, tmp_path):
    env = chat_env(tmp_path / "data", None)
    async with lsp_session(env, [repo], listen=LISTEN) as (client, recorder):
        await recorder.next("auro/status", 1)
        await wait_indexed(client, "divide", "calc.py")
        result = await request(client, "auro/chat", {"message": "divide"})
        assert result["status"] == "error" and result["provider"] is None
        assert "No language model is available" in result["text"]
        assert str(repo / "calc.py") in result["text"]
        assert "OPENAI_API_KEY" in result["text"] and "Traceback" not in result["text"]
        chunks = recorder.received["auro/chatChunk"]
        assert "".join(c.text for c in chunks) == result["text"]


async def test_bad_chat_params_are_invalid_params_not_a_crash(fake_openai, repo, tmp_path):
    env = chat_env(tmp_path / "data", fake_openai)
    async with lsp_session(env, [repo]) as (client, recorder):
        await recorder.next("auro/status", 1)
        with pytest.raises(Exception, match="message") as error:
            await request(client, "auro/chat", {"message": ""})
        assert getattr(error.value, "code", None) == -32602
        with pytest.raises(Exception, match="not a file URI"):
            await request(client, "auro/chat", {"message": "hi", "uri": "untitled:1"})
        assert fake_openai.request_count == 0
        usage = await request(client, "auro/usage", None)
        assert usage["totals"]["requests"] == 0


async def test_images_are_workspace_files_checked_before_the_model_sees_them(
    fake_openai: FakeOpenAIServer, repo, tmp_path
):
    fake_openai.vision = True
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
    (repo / "shot.png").write_bytes(png)
    (repo / "fake.png").write_text("not an image")
    outside = tmp_path / "outside.png"
    outside.write_bytes(png)
    (repo / "link.png").symlink_to(outside)
    env = chat_env(tmp_path / "data", fake_openai)
    async with lsp_session(env, [repo]) as (client, recorder):
        await recorder.next("auro/status", 1)
        for name, reason in [
            ("fake.png", "not a PNG, JPEG, GIF or WebP"),
            ("link.png", "outside the workspace"),
            ("missing.png", "cannot read"),
        ]:
            params = {"message": "hi", "images": [from_fs_path(str(repo / name))]}
            with pytest.raises(Exception, match=reason) as error:
                await request(client, "auro/chat", params)
            assert getattr(error.value, "code", None) == -32602, name
        assert fake_openai.request_count == 0  # nothing was sent for a refused image

        result = await request(
            client,
            "auro/chat",
            {
                "message": "What is drawn?",
                "includeRag": False,
                "images": [from_fs_path(str(repo / "shot.png"))],
            },
        )
        assert result["status"] == "completed"
        parts = fake_openai.requests[-1]["messages"][-1]["content"]
        urls = [p["image_url"]["url"] for p in parts if p["type"] == "image_url"]
        assert [url.split(",")[0] for url in urls] == ["data:image/png;base64"]
