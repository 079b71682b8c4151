"""`doctor`'s LLM part: each endpoint with its state, model, window and vision, and one
verdict that is "usable" when any provider can answer (issue 15, item 6)."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from pathlib import Path

from server.cli import doctor as doctor_module
from server.cli.doctor import check_llm
from tests.fakes.openai_server import FakeOpenAIServer
from tests.llm.conftest import CLOSED_PORT_URL, make_settings

GGUF = "/srv/models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"


async def render(settings, monkeypatch) -> tuple[int, str]:
    """The doctor's output and exit code with only the LLM check."""
    monkeypatch.setattr(doctor_module, "CHECKS", [check_llm])
    out = io.StringIO()
    with redirect_stdout(out):
        code = await doctor_module.doctor(settings, [], Path("."))
    return code, out.getvalue()


async def test_each_endpoint_shows_model_window_and_vision(monkeypatch):
    async with FakeOpenAIServer(model_path=GGUF, props_n_ctx=2048, vision=True) as fake:
        code, text = await render(make_settings(llamacpp_server_url=fake.url), monkeypatch)
    assert code == 0, text
    assert "[ok] llama.cpp: 1 of 1 endpoint(s) ready" in text
    assert (
        f"{fake.url}: ready, model qwen2.5-coder-1.5b-instruct-q4_k_m.gguf, "
        "window 2048 tokens, vision yes"
    ) in text
    assert "[ok] llm: usable: llamacpp can answer" in text


async def test_one_url_down_is_a_warning_when_another_answers(monkeypatch):
    async with FakeOpenAIServer(model_path=GGUF) as fake:
        settings = make_settings(llamacpp_server_url=f"{CLOSED_PORT_URL},{fake.url}")
        code, text = await render(settings, monkeypatch)
    assert code == 0, text
    assert "[ok] llama.cpp: 1 of 2 endpoint(s) ready" in text
    assert f"{CLOSED_PORT_URL}: down - unreachable (cannot connect to 127.0.0.1:9)" in text
    assert f"[warn] llama.cpp {CLOSED_PORT_URL}: unreachable (cannot connect" in text
    assert "Error(" not in text and "Errno" not in text, "no raw exception reprs"


async def test_a_provider_that_is_down_is_tolerated_when_another_kind_answers(monkeypatch):
    async with FakeOpenAIServer() as remote:
        settings = make_settings(
            llamacpp_server_url=CLOSED_PORT_URL,
            openai_api_key="k",
            openai_base_url=f"{remote.url}/v1",
        )
        code, text = await render(settings, monkeypatch)
    assert code == 0, text
    assert "[warn] llama.cpp: 0 of 1 endpoint(s) ready" in text
    assert "[ok] openai: 1 of 1" in text and "[ok] llm: usable: openai can answer" in text


async def test_loading_server_shows_its_model_and_fails_until_ready(monkeypatch):
    async with FakeOpenAIServer(model_path=GGUF, loading=True) as fake:
        code, text = await render(make_settings(llamacpp_server_url=fake.url), monkeypatch)
    assert code == 1
    assert f"{fake.url}: loading, model qwen2.5-coder-1.5b-instruct-q4_k_m.gguf" in text
    assert "[FAIL] llm: not usable yet: the model is still loading" in text


async def test_nothing_answers_fails_with_the_fix(monkeypatch):
    code, text = await render(make_settings(llamacpp_server_url=CLOSED_PORT_URL), monkeypatch)
    assert code == 1
    assert "[FAIL] llama.cpp" in text and "fix: start llama-server" in text
    assert "[FAIL] llm: no provider can answer" in text
