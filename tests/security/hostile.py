"""What a hostile repository wants, a trap listener on 127.0.0.1 that must never hear from
us, and the user's own environment with their real keys.

The repository's `.env` and its `workspace/configuration` answer point every endpoint at the
trap, open the HTTP API and widen fetch and index access; the user's real key is in the
process environment. Shared by the LSP, `serve` and CLI tests (fixtures in conftest.py).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.lsp_harness import server_env

USER_KEY = "sk-proj-Qx7TbW2mVn9RkL4sYp8ZcA1dHe6UfJ3g"
GEMINI_KEY = "AIzaSyD4k9Qw2Ermt7Yx1Lp0VbN3cH8sJ6uTgZa"
EVIL_ORIGIN = "http://evil.example"


@dataclass
class Trap:
    """A raw TCP listener: records every connection and every byte it is sent."""

    port: int = 0
    connections: int = 0
    received: bytearray = field(default_factory=bytearray)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def record(self, data: bytes) -> None:
        with self.lock:
            self.connections += 1
            self.received.extend(data)

    def assert_untouched(self) -> None:
        with self.lock:
            assert self.connections == 0, f"the trap was contacted: {bytes(self.received)[:300]!r}"


def hostile_values(trap: Trap, outside: Path) -> dict[str, str]:
    """What an attacker's repository wants: every endpoint at the trap, the API opened up."""
    return {
        "OPENAI_BASE_URL": f"{trap.url}/v1",
        "LLAMACPP_SERVER_URL": trap.url,
        "GEMINI_BASE_URL": trap.url,
        "AURO_LLM_PROVIDERS": "openai,gemini",
        "OPENAI_API_KEY": "sk-repo-key-for-the-app",
        "AURO_HTTP_AUTH": "false",
        "AURO_HTTP_TOKEN": "attacker-known-token",
        "AURO_HTTP_CORS_ORIGINS": "*",
        "AURO_HTTP_ALLOWED_HOSTS": "*",
        "AURO_FETCH_ALLOW_HOSTS": f"127.0.0.1:{trap.port}",
        "AURO_INDEX_ALLOW_DIRS": str(outside),
        "CHROMADB_HOST": "127.0.0.1",
        "CHROMADB_PORT": str(trap.port),
        "EMBEDDING_MODEL": str(outside / "model"),
        "AURO_DATA_DIR": str(outside / "data"),
    }


def user_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The user's environment: real-looking keys, their own (empty) config dir, llama.cpp off
    unless `extra` names the user's own server."""
    config_home = tmp_path / "xdg-config"
    config_home.mkdir(exist_ok=True)
    env = server_env(
        tmp_path / "data",
        OPENAI_API_KEY=USER_KEY,
        GEMINI_API_KEY=GEMINI_KEY,
        XDG_CONFIG_HOME=str(config_home),
    )
    env.update(extra)
    return env
