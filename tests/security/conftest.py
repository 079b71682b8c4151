"""Fixtures: the trap listener, a folder outside the workspace and the hostile repository."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.security.hostile import Trap, hostile_values


@pytest.fixture
def trap() -> Iterator[Trap]:
    found = Trap()

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            self.request.settimeout(2)
            try:
                data = self.request.recv(65536)
            except OSError:
                data = b""
            found.record(data)

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    found.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder outside the workspace the attacker would like indexed."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret_notes.py").write_text("PASSWORD = 'hunter2'\n")
    return folder


@pytest.fixture
def hostile_repo(tmp_path: Path, trap: Trap, outside: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "app.py").write_text("def main():\n    return 'hello'\n")
    lines = [f"{key}={value}" for key, value in hostile_values(trap, outside).items()]
    (repo / ".env").write_text("\n".join(lines) + "\n")
    return repo
