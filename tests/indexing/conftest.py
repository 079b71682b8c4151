"""Shared fixtures: the real embedding model (loaded once) and a real Chroma server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from server.config import Settings
from server.indexing.torch_embedder import SentenceTransformerEmbedder

CHROMA_BIN = Path(sys.executable).parent / "chroma"


class CountingEmbedder:
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self, inner: SentenceTransformerEmbedder) -> None:
        self.inner = inner
        self.texts: list[str] = []

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.texts.extend(texts)
        return self.inner.embed(texts)


@pytest.fixture(scope="session")
def real_embedder() -> SentenceTransformerEmbedder:
    embedder = SentenceTransformerEmbedder()
    embedder.load()
    return embedder


@pytest.fixture
def embedder(real_embedder: SentenceTransformerEmbedder) -> CountingEmbedder:
    return CountingEmbedder(real_embedder)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _heartbeat(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="session")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """AURO_TEST_CHROMA_URL if set, else a `chroma run` server started for this session."""
    configured = os.environ.get("AURO_TEST_CHROMA_URL")
    if configured:
        yield configured.rstrip("/")
        return
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    log = (path / "server.log").open("wb")
    proc = subprocess.Popen(
        [str(CHROMA_BIN), "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(path)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while not _heartbeat(url):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"chroma run did not come up: {(path / 'server.log').read_text()}")
        time.sleep(0.2)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.model_construct().model_copy(
        update={"data_dir": tmp_path / "data", "watch_files": False, "index_debounce_ms": 50}
    )
