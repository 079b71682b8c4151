"""`SentenceTransformerEmbedder`: the embedding model run by sentence-transformers on torch,
the backend every other one falls back to."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from server.indexing.embedding_model import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_MODEL,
    embedder_name,
    quiet_model_libraries,
    resolve_model_path,
    torch_threads,
)

log = logging.getLogger(__name__)


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded once, on first use, from a local directory."""

    backend = "torch"

    def __init__(self, model: str = DEFAULT_MODEL, *, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        self.model = model
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._st: Any = None
        self.stage = "torch"  # what loading does (LoadsModel)

    @property
    def name(self) -> str:
        return embedder_name(self.model, self.backend)

    @property
    def model_path(self) -> Path:
        return resolve_model_path(self.model)

    @property
    def loaded(self) -> bool:
        return self._st is not None

    def _loaded(self) -> Any:
        if self._st is None:
            with self._lock:
                if self._st is None:
                    self._st = self._load()
        return self._st

    def _load(self) -> Any:
        quiet_model_libraries()
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
        listed: list[list[float]] = vectors.tolist()
        return listed
