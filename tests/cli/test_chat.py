"""`auro-pai chat` as a subprocess against the fake: JSON output, streaming, sessions."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from tests.cli.chat_process import run_cli
from tests.fakes.common import Fail
from tests.fakes.openai_server import FakeOpenAIServer
from tests.support.chat_env import chat_env

REPLY = "divide() refuses a zero divisor."


async def test_cli_chat_json_then_streamed_follow_up(
    fake_openai: FakeOpenAIServer, repo: Path, tmp_path: Path
):
    fake_openai.reply_text = REPLY
    env = chat_env(tmp_path / "data", fake_openai)
    code, out, err = await run_cli(env, "What does divide do?", "--workspace", str(repo), "--json")
    assert code == 0, err
    result = json.loads(out)  # stdout is exactly one JSON document
    assert (result["text"], result["provider"]) == (REPLY, "openai")
    assert result["usage"]["completion_tokens"] > 0
    assert "calc.py" in {c["path"] for c in result["citations"]}  # relative, as search
    assert "def divide(a, b):" in fake_openai.requests[0]["messages"][-1]["content"]

    code, out, err = await run_cli(
        env, "And add?", "--workspace", str(repo), "--session", result["session_id"], "--no-rag"
    )
    assert code == 0, err
    assert out.startswith(REPLY) and "Sources:" not in out
    assert f"session: {result['session_id']}" in err
    follow_up = fake_openai.requests[1]["messages"]
    assert [m["content"] for m in follow_up[-3:-1]] == ["What does divide do?", REPLY]
    assert follow_up[-1]["content"] == "And add?"


async def test_cli_chat_fails_over_from_llamacpp_500_to_openai(
    fake_openai: FakeOpenAIServer, fake_openai_2: FakeOpenAIServer, repo: Path, tmp_path: Path
):
    """The LLM issue's done-when: llama.cpp first, a 500 there, the answer from OpenAI."""
    llama, cloud = fake_openai, fake_openai_2
    llama.push(Fail(500))
    cloud.reply_text = REPLY
    env = chat_env(
        tmp_path / "data",
        cloud,
        LLAMACPP_SERVER_URL=llama.url,
        AURO_LLM_PROVIDERS="llamacpp,openai",
    )
    code, out, err = await run_cli(env, "What does divide do?", "--workspace", str(repo), "--json")
    assert code == 0, err
    result = json.loads(out)
    assert (result["text"], result["provider"]) == (REPLY, "openai")
    assert llama.request_count >= 1 and cloud.request_count >= 1
    chat_calls = [r for r in llama.requests if "messages" in r]
    assert chat_calls, "llama.cpp was tried first"


async def test_cli_chat_says_on_stderr_that_the_model_is_loading(
    fake_openai: FakeOpenAIServer, repo: Path, tmp_path: Path
):
    fake_openai.reply_text = REPLY
    fake_openai.loading = True  # llama-server answers 503 "Loading model" while it loads
    env = chat_env(tmp_path / "data", fake_openai)
    answer = asyncio.ensure_future(
        run_cli(env, "What does divide do?", "--workspace", str(repo), "--no-rag")
    )
    async with asyncio.timeout(60):
        while not fake_openai.loading_refusals:
            await asyncio.sleep(0.05)
    fake_openai.load_for(0.3)
    code, out, err = await answer
    assert code == 0, err
    assert out.startswith(REPLY)
    assert f"openai at {fake_openai.url}/v1 is loading its model (0s of up to 120s)" in err


async def test_cli_chat_with_an_unknown_session_says_so(
    fake_openai: FakeOpenAIServer, repo: Path, tmp_path: Path
):
    env = chat_env(tmp_path / "data", fake_openai)
    code, out, err = await run_cli(
        env, "Hi", "--workspace", str(repo), "--session", "no-such-id", "--no-rag"
    )
    assert code == 1 and out == ""
    assert "error: no chat session 'no-such-id'" in err and "Traceback" not in err
    assert fake_openai.request_count == 0


async def test_cli_chat_sends_an_image_and_refuses_a_bad_one(
    fake_openai: FakeOpenAIServer, repo: Path, tmp_path: Path
):
    fake_openai.vision = True
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
    (tmp_path / "shot.png").write_bytes(png)
    (tmp_path / "notes.png").write_text("not an image")
    env = chat_env(tmp_path / "data", fake_openai)
    code, out, err = await run_cli(
        env, "What is drawn?", "--workspace", str(repo), "--image", str(tmp_path / "notes.png")
    )
    assert code == 2 and "--image: notes.png is not a PNG" in err and "Traceback" not in err
    assert fake_openai.request_count == 0

    code, out, err = await run_cli(
        env,
        "What is drawn?",
        "--workspace",
        str(repo),
        "--no-rag",
        "--json",
        "--image",
        str(tmp_path / "shot.png"),
    )
    assert code == 0, err
    parts = fake_openai.requests[-1]["messages"][-1]["content"]
    urls = [p["image_url"]["url"] for p in parts if p["type"] == "image_url"]
    assert [url.split(",")[0] for url in urls] == ["data:image/png;base64"]
