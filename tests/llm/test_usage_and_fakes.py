"""Usage snapshots, and the fake servers as other engineers will use them."""

from __future__ import annotations

import asyncio
import json
import sys

import aiohttp

from server.llm.messages import TokenUsage
from server.llm.usage import UsageTracker


def test_usage_snapshot_is_json_and_grouped():
    tracker = UsageTracker()
    tracker.record_success(
        provider="openai",
        model="gpt",
        session_id="s1",
        usage=TokenUsage(100, 20),
        latency_s=2.0,
        first_token_s=0.5,
    )
    tracker.record_error(provider="llamacpp", model="m", session_id="s1", error="HTTP 500")
    snapshot = json.loads(json.dumps(tracker.snapshot()))
    assert snapshot["totals"]["requests"] == 1 and snapshot["totals"]["errors"] == 1
    assert snapshot["providers"]["openai"]["total_tokens"] == 120
    assert snapshot["providers"]["openai"]["avg_latency_s"] == 2.0
    assert snapshot["models"]["llamacpp/m"]["errors"] == 1
    assert snapshot["sessions"]["s1"] == {**snapshot["totals"]}
    assert snapshot["recent_errors"][0]["error"] == "HTTP 500"


async def test_fake_openai_runs_as_a_process_and_is_scriptable():
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fakes.openai_server",
        "--port",
        "0",
        "--reply",
        "scripted reply",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        line = (await asyncio.wait_for(process.stdout.readline(), 20)).decode()
        assert line.startswith("READY http://127.0.0.1:")
        url = line.split()[1]
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{url}/_fake/stats") as response:
                assert (await response.json())["requests"] == 0
            async with http.post(f"{url}/_fake/script", json=[{"kind": "fail", "status": 503}]):
                pass
            body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
            async with http.post(f"{url}/v1/chat/completions", json=body) as failed:
                assert failed.status == 503
            async with http.post(f"{url}/v1/chat/completions", json=body) as ok:
                answer = await ok.json()
            async with http.get(f"{url}/_fake/stats") as response:
                stats = await response.json()
        assert answer["choices"][0]["message"]["content"] == "scripted reply"
        assert stats["requests"] == 2
    finally:
        process.terminate()
        await process.wait()


async def test_fake_streams_real_sse_shape(fake_openai):
    fake_openai.reply_text = "ab"
    fake_openai.chunk_chars = 1
    body = {
        "model": "m",
        "stream": True,
        "stream_options": {"include_usage": True},
        "messages": [{"role": "user", "content": "hi"}],
    }
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{fake_openai.url}/v1/chat/completions", json=body) as response:
            raw = (await response.read()).decode()
    events = [line.removeprefix("data: ") for line in raw.split("\n\n") if line]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": None}
    assert [c["choices"][0]["delta"].get("content") for c in chunks[1:3]] == ["a", "b"]
    assert chunks[3]["choices"][0]["finish_reason"] == "stop"
    assert chunks[4]["choices"] == [] and chunks[4]["usage"]["completion_tokens"] == 2
