"""`auro-pai doctor`: a line per check, the fix under each failure, exit 1 when one fails."""

from __future__ import annotations

import asyncio
import subprocess
import sys

from tests.fakes.openai_server import FakeOpenAIServer
from tests.support.lsp_harness import server_env


def doctor(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", "doctor"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


async def test_doctor_all_ok_with_a_reachable_llamacpp(tmp_path):
    async with FakeOpenAIServer() as llama:
        env = server_env(tmp_path / "data", LLAMACPP_SERVER_URL=llama.url)
        proc = await asyncio.to_thread(doctor, env)
    assert proc.returncode == 0, proc.stdout
    for name in ("data dir", "embedding model", "grammars", "chroma", "llm", "llama.cpp"):
        assert f"[ok] {name}" in proc.stdout
    assert "13 languages" in proc.stdout


def test_doctor_names_the_fix_for_an_unreachable_endpoint(tmp_path):
    env = server_env(
        tmp_path / "data",
        LLAMACPP_SERVER_URL="http://127.0.0.1:9",
        CHROMADB_HOST="127.0.0.1",
        CHROMADB_PORT="9",
    )
    proc = doctor(env)
    assert proc.returncode == 1
    assert "[FAIL] llama.cpp" in proc.stdout and "[FAIL] chroma" in proc.stdout
    assert "fix: start llama-server" in proc.stdout
    assert "unset CHROMADB_HOST" in proc.stdout
    assert "cannot connect" in proc.stdout
    assert "Error(" not in proc.stdout  # words, not exception reprs


def test_doctor_fails_when_no_llm_provider_is_configured(tmp_path):
    proc = doctor(server_env(tmp_path / "data"))
    assert proc.returncode == 1
    assert "[FAIL] llm: no LLM provider is configured" in proc.stdout
    assert "fix: Configure a model: set LLAMACPP_SERVER_URL" in proc.stdout
    for name in ("llama.cpp", "openai", "gemini"):
        assert f"[skip] {name}: not configured" in proc.stdout
    assert "[ok] openai" not in proc.stdout
