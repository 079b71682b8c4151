"""Chat sessions under pressure over REST: eviction and expiry during a turn, concurrent first
use, a store full of busy sessions, unknown ids, clients that leave (issue #20 items 2-4)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientResponse, ClientSession

from tests.fakes.common import Reply
from tests.fakes.openai_server import FakeOpenAIServer
from tests.support.rest_chat import served_chat

SLOW = Reply(text="word " * 60, chunk_chars=5, delay=0.05)  # 60 pieces over about 3 s
VERY_SLOW = Reply(text="word " * 400, chunk_chars=5, delay=0.05)  # about 20 s
READ_LIMIT_S = 15  # a broken stream never ends: fail instead of hanging


def parse_sse(body: str) -> list[tuple[str, str]]:
    """(event, data) of each Server-Sent Event; `message` when no `event:` line."""
    events = []
    for block in body.split("\n\n"):
        if not block.strip():
            continue
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        events.append((fields.get("event", "message"), fields.get("data", "")))
    return events


async def first_text(response: ClientResponse) -> str:
    """Wait for the first `data: {"text": ...}` event of a stream."""
    async with asyncio.timeout(READ_LIMIT_S):
        while True:
            line = (await response.content.readline()).decode()
            if line.startswith("data: "):
                return json.loads(line[len("data: ") :])["text"]


async def rest_of_stream(response: ClientResponse) -> tuple[str, list[tuple[str, str]]]:
    async with asyncio.timeout(READ_LIMIT_S):
        body = (await response.read()).decode()
    return body, parse_sse(body)


async def start_stream(api: ClientSession, **body: Any) -> ClientResponse:
    response = await api.post("/api/v1/chat", json={"message": "Go on", "stream": True, **body})
    assert response.status == 200, await response.text()
    return response


async def chat(api: ClientSession, **body: Any) -> tuple[int, dict[str, Any]]:
    response = await api.post("/api/v1/chat", json={"message": "Hi", **body})
    return response.status, await response.json()


def assert_completed_stream(body: str, events: list[tuple[str, str]]) -> dict[str, Any]:
    """One well-formed stream: pieces, the final result, [DONE]; nothing after it."""
    assert "HTTP/1.1" not in body, "a second response inside the stream"
    assert [e for e, _ in events] == ["message"] * len(events)
    assert events[-1][1] == "[DONE]"
    final = json.loads(events[-2][1])
    assert final["status"] == "completed", final
    return final


async def test_a_streaming_session_is_not_evicted_by_new_sessions(fake_openai, tmp_path):
    async with served_chat(fake_openai, tmp_path / "data", max_sessions=3) as (api, _):
        fake_openai.push(SLOW)
        response = await start_stream(api)
        await first_text(response)
        for _ in range(3):  # three new sessions: one too many for MAX_SESSIONS=3
            status, body = await chat(api)
            assert status == 200, body
        final = assert_completed_stream(*await rest_of_stream(response))
        history = await api.get(f"/api/v1/chat/sessions/{final['session_id']}/history")
        assert history.status == 200
        turns = (await history.json())["turns"]
        assert [(t["role"], t["status"]) for t in turns] == [
            ("user", "completed"),
            ("assistant", "completed"),
        ]
        listed = (await (await api.get("/api/v1/chat/sessions")).json())["sessions"]
        assert len(listed) == 3 and final["session_id"] in {s["id"] for s in listed}


async def test_a_turn_outliving_the_session_timeout_is_not_expired(fake_openai, tmp_path):
    async with served_chat(fake_openai, tmp_path / "data", session_timeout=1) as (api, services):
        fake_openai.push(SLOW)
        response = await start_stream(api)
        await first_text(response)
        await asyncio.sleep(1.5)  # idle longer than SESSION_TIMEOUT, but the turn is running
        assert await services.sessions.sweep() == 0
        [session] = (await (await api.get("/api/v1/chat/sessions")).json())["sessions"]
        final = assert_completed_stream(*await rest_of_stream(response))
        assert final["session_id"] == session["id"]
        history = await api.get(f"/api/v1/chat/sessions/{session['id']}/history")
        assert history.status == 200 and len((await history.json())["turns"]) == 2


async def test_a_session_deleted_mid_stream_ends_it_with_an_error_event(fake_openai, tmp_path):
    async with served_chat(fake_openai, tmp_path / "data") as (api, _):
        fake_openai.push(SLOW)
        response = await start_stream(api)
        await first_text(response)
        [session] = (await (await api.get("/api/v1/chat/sessions")).json())["sessions"]
        deleted = await api.delete(f"/api/v1/chat/sessions/{session['id']}")
        assert deleted.status == 200
        body, events = await rest_of_stream(response)
        assert "HTTP/1.1" not in body
        kind, data = events[-1]
        assert kind == "error"
        assert json.loads(data)["error"]["code"] == "session_not_found"
        assert all(e == "message" and d != "[DONE]" for e, d in events[:-1])
        # the connection is still good for the next request
        assert (await api.get("/api/v1/chat/sessions")).status == 200


async def test_concurrent_first_use_of_a_new_id_shares_one_session(fake_openai, tmp_path):
    async with served_chat(fake_openai, tmp_path / "data") as (api, _):
        results = await asyncio.gather(
            *(chat(api, session_id="team-room", create_session=True) for _ in range(5))
        )
        assert [status for status, _ in results] == [200] * 5, results
        assert {body["session_id"] for _, body in results} == {"team-room"}
        history = await (await api.get("/api/v1/chat/sessions/team-room/history")).json()
        assert Counter(t["role"] for t in history["turns"]) == {"user": 5, "assistant": 5}


async def test_an_unknown_or_deleted_session_is_404_and_stays_deleted(fake_openai, tmp_path):
    async with served_chat(fake_openai, tmp_path / "data") as (api, _):
        status, body = await chat(api, session_id="never-made")
        assert status == 404 and body["error"]["code"] == "session_not_found"
        stream = await api.post(
            "/api/v1/chat", json={"message": "Hi", "session_id": "never-made", "stream": True}
        )
        assert stream.status == 404 and stream.content_type == "application/json"
        assert fake_openai.request_count == 0

        status, body = await chat(api)
        session_id = body["session_id"]
        assert (await api.delete(f"/api/v1/chat/sessions/{session_id}")).status == 200
        status, body = await chat(api, session_id=session_id)
        assert status == 404 and body["error"]["code"] == "session_not_found"
        history = await api.get(f"/api/v1/chat/sessions/{session_id}/history")
        assert history.status == 404, "the deleted session was brought back"
        assert (await (await api.get("/api/v1/chat/sessions")).json())["sessions"] == []


async def test_a_store_full_of_busy_sessions_answers_503(fake_openai, tmp_path):
    async with served_chat(fake_openai, tmp_path / "data", max_sessions=2) as (api, _):
        fake_openai.push(SLOW, SLOW)
        streams = [await start_stream(api), await start_stream(api)]
        for response in streams:
            await first_text(response)
        full = await api.post("/api/v1/chat", json={"message": "One more"})
        assert full.status == 503 and full.headers["Retry-After"]
        error = (await full.json())["error"]
        assert error["code"] == "sessions_busy" and "MAX_SESSIONS" in error["message"]
        for response in streams:
            assert_completed_stream(*await rest_of_stream(response))
        status, body = await chat(api)  # a finished turn frees its session for eviction
        assert status == 200, body


async def test_many_concurrent_new_sessions_never_answer_500(fake_openai, tmp_path):
    settings = {"max_sessions": 5, "http_max_streams": 100}
    async with served_chat(fake_openai, tmp_path / "data", **settings) as (api, _):
        fake_openai.push(*[Reply(text="word " * 10, chunk_chars=5, delay=0.02)] * 30)
        results = await asyncio.gather(*(chat(api) for _ in range(30)))
        statuses = Counter(status for status, _ in results)
        assert set(statuses) <= {200, 503}, results
        assert statuses[200] >= 5
        for status, body in results:
            if status == 503:
                assert body["error"]["code"] == "sessions_busy"
            else:
                assert body["status"] == "completed"


@pytest.mark.parametrize("stream", [False, True])
async def test_a_client_that_leaves_cancels_generation_and_frees_its_slot(
    fake_openai: FakeOpenAIServer, tmp_path: Path, stream: bool
):
    async with served_chat(fake_openai, tmp_path / "data", http_max_streams=2) as (api, _):
        fake_openai.push(VERY_SLOW, VERY_SLOW)

        async def leave_after(seconds: float) -> None:
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(seconds):
                    response = await api.post(
                        "/api/v1/chat", json={"message": "Long one", "stream": stream}
                    )
                    await response.read()

        await asyncio.gather(leave_after(0.5), leave_after(0.5))
        assert await fake_openai.wait_for_disconnects(2, timeout=5), "upstream never closed"
        assert fake_openai.completed == 0

        async with asyncio.timeout(3):  # not the ~20 s the abandoned answers would take
            status, body = await chat(api)
            while status == 429:  # the handlers end once the cancelled turns are stored
                await asyncio.sleep(0.05)
                status, body = await chat(api)
        assert status == 200, body
        sessions = (await (await api.get("/api/v1/chat/sessions")).json())["sessions"]
        statuses = []
        for session in sessions:
            url = f"/api/v1/chat/sessions/{session['id']}/history"
            turns = (await (await api.get(url)).json())["turns"]
            statuses.append(turns[-1]["status"])
        assert sorted(statuses) == ["cancelled", "cancelled", "completed"]
