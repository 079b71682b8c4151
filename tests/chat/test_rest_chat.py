"""The chat REST routes on the real sidecar (in-process), with the fake as the LLM."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiohttp import ClientSession

from server.config import Settings
from server.http.sidecar import Sidecar
from server.services import Services
from tests.fakes.openai_server import FakeOpenAIServer

REPLY = "Sessions are stored in SQLite."


def chat_settings(fake: FakeOpenAIServer, data_dir: Path, **overrides: object) -> Settings:
    """The fake as the only LLM, no retries, no token; `overrides` are Settings fields."""
    return Settings.model_validate(
        {
            "data_dir": str(data_dir),
            "llamacpp_server_url": "",
            "gemini_api_key": "",
            "openai_api_key": "test",
            "openai_base_url": f"{fake.url}/v1",
            "llm_max_retries": 0,
            "http_auth": False,
            **overrides,
        }
    )


@asynccontextmanager
async def served_chat(
    fake: FakeOpenAIServer, data_dir: Path, **overrides: object
) -> AsyncIterator[tuple[ClientSession, Services]]:
    """The real sidecar on 127.0.0.1 (the production runner: handlers are not cancelled when
    a client leaves) over `chat_settings`, with a client bound to it and the services."""
    services = await Services.open(chat_settings(fake, data_dir, **overrides))
    sidecar = Sidecar(services)
    address = await sidecar.start("127.0.0.1", 0)
    client = ClientSession(base_url=address.url)
    try:
        yield client, services
    finally:
        await client.close()
        await sidecar.stop()
        await services.close()


@pytest.fixture
async def api(fake_openai: FakeOpenAIServer, tmp_path: Path) -> AsyncIterator[ClientSession]:
    fake_openai.reply_text = REPLY
    async with served_chat(fake_openai, tmp_path / "data") as (client, _):
        yield client


async def events(response) -> AsyncIterator[str]:
    """The `data:` payloads of a Server-Sent Events body, as they arrive."""
    async for raw in response.content:
        line = raw.decode().strip()
        if line.startswith("data: "):
            yield line[len("data: ") :]


async def test_json_chat_and_the_session_routes(api: ClientSession, fake_openai):
    response = await api.post("/api/v1/chat", json={"message": "Where do sessions live?"})
    assert response.status == 200
    body = await response.json()
    assert (body["text"], body["provider"], body["status"]) == (REPLY, "openai", "completed")
    assert body["usage"]["completion_tokens"] > 0 and body["citations"] == []
    session_id = body["session_id"]

    listed = await (await api.get("/api/v1/chat/sessions")).json()
    assert [(s["id"], s["turn_count"]) for s in listed["sessions"]] == [(session_id, 2)]
    history = await (await api.get(f"/api/v1/chat/sessions/{session_id}/history")).json()
    assert [(t["role"], t["content"]) for t in history["turns"]] == [
        ("user", "Where do sessions live?"),
        ("assistant", REPLY),
    ]
    assert history["turns"][1]["provider"] == "openai"

    usage = await (await api.get("/api/v1/llm/usage")).json()
    assert usage["totals"]["requests"] == 1 and session_id in usage["sessions"]

    deleted = await api.delete(f"/api/v1/chat/sessions/{session_id}")
    assert deleted.status == 200 and (await deleted.json())["deleted"] is True
    for method, path in (
        ("DELETE", f"/api/v1/chat/sessions/{session_id}"),
        ("GET", f"/api/v1/chat/sessions/{session_id}/history"),
    ):
        missing = await api.request(method, path)
        assert missing.status == 404
        assert (await missing.json())["error"]["code"] == "session_not_found"


async def test_invalid_bodies_are_422_naming_the_field(api: ClientSession, fake_openai):
    for body, field in (
        ({"message": ""}, "message"),
        ({}, "message"),
        ({"message": "hi", "include_rag": "sometimes"}, "include_rag"),
    ):
        response = await api.post("/api/v1/chat", json=body)
        assert response.status == 422
        error = (await response.json())["error"]
        assert error["code"] == "invalid_request" and field in error["message"]
        assert [d["field"] for d in error["details"]] == [field]
    broken = await api.post("/api/v1/chat", data=b"{not json")
    assert broken.status == 422 and (await broken.json())["error"]["code"] == "invalid_json"
    assert fake_openai.request_count == 0


async def test_sse_streams_text_then_the_result_then_done(api: ClientSession):
    response = await api.post("/api/v1/chat", json={"message": "Stream it", "stream": True})
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/event-stream")
    payloads = [p async for p in events(response)]
    assert payloads[-1] == "[DONE]"
    final = json.loads(payloads[-2])
    pieces = [json.loads(p)["text"] for p in payloads[:-2]]
    assert len(pieces) > 1 and "".join(pieces) == final["text"] == REPLY
    assert final["status"] == "completed" and final["session_id"]


async def test_sse_client_disconnect_cancels_generation(api: ClientSession, fake_openai):
    fake_openai.reply_text = "word " * 200
    fake_openai.delay = 0.05
    response = await api.post("/api/v1/chat", json={"message": "Go on", "stream": True})
    stream = events(response)
    first = json.loads(await anext(stream))
    assert first["text"]
    response.close()  # the client goes away mid-answer
    assert await fake_openai.wait_for_disconnects(1, timeout=5)
    assert fake_openai.completed == 0

    [session] = (await (await api.get("/api/v1/chat/sessions")).json())["sessions"]
    url = f"/api/v1/chat/sessions/{session['id']}/history"
    for _ in range(50):
        turns = (await (await api.get(url)).json())["turns"]
        if len(turns) == 2:
            break
        await asyncio.sleep(0.1)
    assert (turns[1]["role"], turns[1]["status"]) == ("assistant", "cancelled")
    assert turns[1]["content"].startswith(first["text"])


async def test_sse_reports_a_loading_model_then_answers(api: ClientSession, fake_openai):
    fake_openai.loading = True  # llama-server answers 503 "Loading model" while it loads
    response = await api.post("/api/v1/chat", json={"message": "Ready yet?", "stream": True})
    stream = events(response)
    first = json.loads(await anext(stream))
    fake_openai.load_for(0.2)
    rest = [p async for p in stream]
    assert first["loading"]["endpoint"] == f"{fake_openai.url}/v1"
    assert first["loading"]["bound_s"] == 120.0 and first["loading"]["elapsed_s"] >= 0
    final = json.loads(rest[-2])
    assert final["status"] == "completed" and final["text"] == REPLY


async def test_a_cancelled_sse_turn_is_counted_in_usage(api: ClientSession, fake_openai):
    fake_openai.reply_text = "word " * 200
    fake_openai.delay = 0.05
    response = await api.post("/api/v1/chat", json={"message": "Go on", "stream": True})
    assert json.loads(await anext(events(response)))["text"]
    response.close()
    assert await fake_openai.wait_for_disconnects(1, timeout=5)
    for _ in range(50):
        totals = (await (await api.get("/api/v1/llm/usage")).json())["totals"]
        if totals["requests"]:
            break
        await asyncio.sleep(0.1)
    assert (totals["requests"], totals["cancelled"], totals["estimated"]) == (1, 1, 1)
    assert totals["prompt_tokens"] > 0 and totals["completion_tokens"] > 0
