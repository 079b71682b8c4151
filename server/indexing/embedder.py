"""Text embeddings: the `Embedder` protocol, and `create_embedder`, which picks the backend
the settings ask for (`torch_embedder.py`, `onnx_embedder.py`; `embedding_thread.py` runs
either off the event loop).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from server.indexing.embedding_model import DEFAULT_BATCH_SIZE
from server.indexing.onnx_embedder import OnnxEmbedder
from server.indexing.torch_embedder import SentenceTransformerEmbedder

log = logging.getLogger(__name__)


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit-length vectors of one fixed dimension."""

    @property
    def name(self) -> str:
        """Identifies the model and runtime; vectors from different names never mix."""
        ...

    @property
    def dimension(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


@runtime_checkable
class TokenLengths(Protocol):
    """An embedder that can say how many model tokens each text takes (after truncation),
    so work can be cut into slices of equal padded size."""

    def token_lengths(self, texts: Sequence[str]) -> list[int]: ...


@runtime_checkable
class LoadsModel(Protocol):
    """An embedder that loads its model on first use (seconds; an ONNX export on the first
    start takes longer): the index loads it as a phase of its own, which `stage` describes
    (the runtime, or the slow step running, such as the ONNX export)."""

    @property
    def loaded(self) -> bool: ...

    @property
    def stage(self) -> str: ...

    def load(self) -> None: ...


BACKENDS = ("auto", "torch", "onnx", "onnx-int8")


def onnx_available() -> str | None:
    """Why the ONNX backends cannot run here, or None when their packages are installed."""
    import importlib.util

    missing = [m for m in ("onnx", "onnxruntime") if importlib.util.find_spec(m) is None]
    return f"{' and '.join(missing)} not installed" if missing else None


def create_embedder(
    settings: Any, *, cache_dir: Path | None = None, batch_size: int = DEFAULT_BATCH_SIZE
) -> Embedder:
    """The embedder that `settings.embedding_backend` asks for.

    "auto" is ONNX int8 when onnx and onnxruntime are installed: about 2x the throughput of
    ONNX fp32 and 4x torch on a 2-core CPU, with retrieval quality within the noise of fp32
    on the stdlib task and the development benchmark (docs/benchmarks.md, "Embedding model
    and int8"); otherwise torch. int8 vectors differ slightly from fp32 (cosine ~0.993), so
    they have their own index name: an index embedded by fp32 is re-embedded once, with a
    status notice (`vector_sync.py`). "onnx" is fp32 (the same vectors as torch). An unknown
    backend, a missing package or a failed export falls back to torch with a logged reason.
    ONNX exports are cached in `cache_dir` (default: `<data dir>/models`).
    """
    model = settings.embedding_model
    backend = str(getattr(settings, "embedding_backend", "auto") or "auto").lower()
    if backend not in BACKENDS:
        log.warning("unknown embedding backend %r; using torch", backend)
        backend = "torch"
    if backend == "torch":
        return SentenceTransformerEmbedder(model, batch_size=batch_size)
    missing = onnx_available()
    if missing is not None:
        log.warning("embedding backend %s unavailable (%s); using torch", backend, missing)
        return SentenceTransformerEmbedder(model, batch_size=batch_size)
    if cache_dir is None:
        from server.paths import data_root

        cache_dir = data_root(settings) / "models"
    quantized = backend in ("auto", "onnx-int8")
    return OnnxEmbedder(model, cache_dir=cache_dir, quantized=quantized, batch_size=batch_size)
