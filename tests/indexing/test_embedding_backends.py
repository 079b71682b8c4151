"""The ONNX embedding backends: local export cached in a data dir, equivalence to torch,
reuse of the export, and fallback to torch when a backend cannot run."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from server.indexing import embedder as embedder_module, onnx_export
from server.indexing.embedder import create_embedder
from server.indexing.embedding_model import padded_batches
from server.indexing.embedding_thread import EmbeddingThread
from server.indexing.onnx_embedder import SPINNING, EmbeddingUnavailable, OnnxEmbedder
from server.indexing.torch_embedder import SentenceTransformerEmbedder

pytestmark = pytest.mark.skipif(
    embedder_module.onnx_available() is not None, reason="onnx/onnxruntime not installed"
)

TEXTS = [
    "def add(a, b):\n    return a + b",
    "class Stack:\n    def push(self, item):\n        self.items.append(item)\n"
    "    def pop(self):\n        return self.items.pop()",
    "parse an ISO date string",
]
MIN_COSINE = {"onnx": 0.99, "onnx-int8": 0.95}


@pytest.fixture(scope="session")
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="session")
def torch_vectors(real_embedder: SentenceTransformerEmbedder) -> np.ndarray:
    return np.asarray(real_embedder.embed(TEXTS))


@pytest.fixture(scope="session")
def onnx_embedders(onnx_cache: Path) -> dict[str, OnnxEmbedder]:
    """Both ONNX backends, exported once per session (int8 reuses the fp32 export)."""
    embedders = {
        "onnx": OnnxEmbedder(cache_dir=onnx_cache),
        "onnx-int8": OnnxEmbedder(cache_dir=onnx_cache, quantized=True),
    }
    for embedder in embedders.values():
        embedder.load()
    return embedders


@pytest.mark.parametrize("backend", ["onnx", "onnx-int8"])
def test_backend_loads_from_cache_and_matches_torch(
    backend: str,
    onnx_embedders: dict[str, OnnxEmbedder],
    onnx_cache: Path,
    torch_vectors: np.ndarray,
) -> None:
    embedder = onnx_embedders[backend]
    assert embedder.fallback_reason is None
    assert embedder.onnx_file is not None and embedder.onnx_file.is_file()
    assert embedder.onnx_file.parent.parent == onnx_cache
    vectors = np.asarray(embedder.embed(TEXTS))
    assert vectors.shape == (3, 384) and embedder.dimension == 384
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosines = np.sum(vectors * torch_vectors, axis=1)
    assert cosines.min() > MIN_COSINE[backend], cosines


def test_order_and_batching_do_not_change_vectors(onnx_embedders: dict[str, OnnxEmbedder]) -> None:
    embedder = onnx_embedders["onnx"]
    together = np.asarray(embedder.embed(TEXTS))
    alone = np.asarray([embedder.embed([t])[0] for t in TEXTS])
    assert np.allclose(together, alone, atol=1e-5)


def test_sessions_do_not_spin_idle_threads(onnx_embedders: dict[str, OnnxEmbedder]) -> None:
    """A query embeds while the keyword search runs: idle pool threads must not hold cores."""
    for embedder in onnx_embedders.values():
        embedder.load()
        options = embedder._session.session.get_session_options()  # type: ignore[union-attr]
        assert options.get_session_config_entry(SPINNING) == "0"


def test_names_key_vectors_by_numerics(onnx_embedders: dict[str, OnnxEmbedder]) -> None:
    torch_name = SentenceTransformerEmbedder().name
    assert onnx_embedders["onnx"].name == torch_name  # same vectors, same index
    assert onnx_embedders["onnx-int8"].name == "st:all-MiniLM-L6-v2:onnx-int8"
    assert onnx_embedders["onnx-int8"].name != torch_name


def test_second_construction_reuses_the_export(
    onnx_embedders: dict[str, OnnxEmbedder],
    onnx_cache: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files = {k: e.onnx_file for k, e in onnx_embedders.items()}
    before = {k: f.stat().st_mtime_ns for k, f in files.items() if f is not None}

    def no_export(*args: object) -> None:
        raise AssertionError("exported again")

    monkeypatch.setattr(onnx_export, "_export_fp32", no_export)
    monkeypatch.setattr(onnx_export, "_quantize", no_export)
    for backend, quantized in (("onnx", False), ("onnx-int8", True)):
        again = OnnxEmbedder(cache_dir=onnx_cache, quantized=quantized)
        again.load()
        assert again.fallback_reason is None
        assert again.onnx_file == files[backend]
        assert again.onnx_file.stat().st_mtime_ns == before[backend]
        assert len(again.embed(TEXTS[:1])[0]) == 384


def test_another_cache_dir_links_the_export_of_this_process(
    onnx_embedders: dict[str, OnnxEmbedder], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(onnx_export, "_export_fp32", lambda *a: pytest.fail("exported again"))
    other = OnnxEmbedder(cache_dir=tmp_path / "models")
    other.load()
    assert other.fallback_reason is None
    assert other.onnx_file is not None and other.onnx_file.is_relative_to(tmp_path)
    assert (other.onnx_file.parent / "export.json").is_file()  # a complete cache entry


def test_failing_export_falls_back_to_torch(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    torch_vectors: np.ndarray,
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("exporter exploded")

    monkeypatch.setattr(onnx_export, "_export_fp32", broken)
    monkeypatch.setattr(onnx_export, "_done", {})
    embedder = OnnxEmbedder(cache_dir=tmp_path / "models")
    with caplog.at_level(logging.WARNING, logger="server.indexing.onnx_embedder"):
        vectors = np.asarray(embedder.embed(TEXTS))
    assert "falling back to torch" in caplog.text and "exporter exploded" in caplog.text
    assert "exporter exploded" in (embedder.fallback_reason or "")
    assert np.allclose(vectors, torch_vectors, atol=1e-5)
    assert embedder.name == SentenceTransformerEmbedder().name
    assert not list((tmp_path / "models").rglob("*.onnx"))


def test_failing_int8_export_is_reported_never_labels_torch_vectors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(onnx_export, "_export_fp32", lambda *a: (_ for _ in ()).throw(OSError()))
    monkeypatch.setattr(onnx_export, "_done", {})
    embedder = OnnxEmbedder(cache_dir=tmp_path, quantized=True)
    assert embedder.name == "st:all-MiniLM-L6-v2:onnx-int8"  # known without loading
    for _ in range(2):  # the failure sticks: no export retried per batch
        with pytest.raises(EmbeddingUnavailable, match="onnx-int8 unavailable.*ExportError"):
            embedder.embed(TEXTS)
    assert embedder.fallback_reason is None and embedder.name.endswith(":onnx-int8")
    assert "AURO_EMBEDDING_BACKEND=onnx or torch" in (embedder.error or "")


def settings_for(backend: str, data_dir: Path) -> SimpleNamespace:
    return SimpleNamespace(
        embedding_model="all-MiniLM-L6-v2", embedding_backend=backend, data_dir=data_dir
    )


@pytest.mark.parametrize(
    ("backend", "kind", "quantized"),
    [
        ("auto", OnnxEmbedder, True),  # int8 by default (docs/benchmarks.md)
        ("onnx", OnnxEmbedder, False),
        ("onnx-int8", OnnxEmbedder, True),
        ("torch", SentenceTransformerEmbedder, None),
    ],
)
def test_create_embedder_picks_the_backend(
    backend: str, kind: type, quantized: bool | None, tmp_path: Path
) -> None:
    made = create_embedder(settings_for(backend, tmp_path))
    assert type(made) is kind
    if quantized is not None:
        assert made.quantized is quantized
        assert made.cache_dir == tmp_path / "models"  # the data dir, never site-packages


def test_unknown_backend_falls_back_to_torch(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="server.indexing.embedder"):
        made = create_embedder(settings_for("tensorrt", tmp_path))
    assert type(made) is SentenceTransformerEmbedder
    assert "unknown embedding backend 'tensorrt'" in caplog.text


def test_missing_onnx_packages_fall_back_to_torch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(embedder_module, "onnx_available", lambda: "onnx not installed")
    with caplog.at_level(logging.WARNING, logger="server.indexing.embedder"):
        made = create_embedder(settings_for("auto", tmp_path))
    assert type(made) is SentenceTransformerEmbedder
    assert "onnx not installed" in caplog.text


class _RecordingEmbedder:
    name = "recording"
    dimension = 1

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls.append(list(texts))
        return [[float(len(t))] for t in texts]

    def token_lengths(self, texts: Sequence[str]) -> list[int]:
        return [len(t) for t in texts]  # one token per character


def test_padded_batches_fit_long_texts_few_and_short_texts_many() -> None:
    lengths = [256] * 20 + [5] * 100
    batches = padded_batches(lengths, 4096)
    assert sorted(i for batch in batches for i in batch) == list(range(120))
    assert [len(b) for b in batches] == [100, 16, 4]
    assert all(max(lengths[i] for i in b) * len(b) <= 4096 for b in batches)
    assert padded_batches([5000], 4096) == [[0]]  # an oversized text still gets its batch


async def test_bulk_slices_are_length_sorted_and_results_keep_order() -> None:
    inner = _RecordingEmbedder()
    thread = EmbeddingThread(inner, slice_tokens=8)
    texts = ["x" * n for n in (5, 1, 4, 2, 3)]
    try:
        vectors = await thread.embed(texts)
        assert vectors == [[5.0], [1.0], [4.0], [2.0], [3.0]]
        # slices of similar length within 8 padded tokens, each in batch order, the slice
        # with the first text first
        assert inner.calls == [["xxxxx"], ["x", "xx"], ["xxxx", "xxx"]]
        assert await thread.embed(["query"], urgent=True) == [[5.0]]
        assert await thread.embed([]) == []
    finally:
        thread.close()
    # close waits for the thread: none may be inside native model code when the process exits
    assert thread._thread is not None and not thread._thread.is_alive()


def test_exports_are_cached_under_a_content_key(onnx_cache: Path) -> None:
    folders = [p for p in onnx_cache.iterdir() if p.is_dir()]
    assert len(folders) == 1 and folders[0].name.startswith("model-")
    assert (folders[0] / "export.json").is_file()
    assert not list(folders[0].glob("*.tmp"))


def test_embedding_thread_runs_onnx(onnx_embedders: dict[str, OnnxEmbedder]) -> None:
    thread = EmbeddingThread(onnx_embedders["onnx"])
    try:
        vectors = asyncio.run(thread.embed(TEXTS))
    finally:
        thread.close()
    assert len(vectors) == 3 and all(len(v) == 384 for v in vectors)


def test_quantizer_advice_stays_off_stderr(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING), onnx_export.quiet_quantizer_advice():
        logging.warning(onnx_export.PREPROCESS_ADVICE + ". Refer to example: ...")
        logging.warning("something else")
    assert [r.getMessage() for r in caplog.records] == ["something else"]
