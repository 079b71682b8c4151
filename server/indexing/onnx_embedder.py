"""`OnnxEmbedder`: the embedding model run by onnxruntime from a local export (fp32, or
dynamically quantized int8). fp32 falls back to torch for good when it cannot run; int8,
whose vectors have their own name, reports the failure instead."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from server.indexing.embedding_model import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_MODEL,
    embedder_name,
    padded_batches,
    resolve_model_path,
    torch_threads,
)
from server.indexing.torch_embedder import SentenceTransformerEmbedder

log = logging.getLogger(__name__)

# Padded tokens per onnxruntime call: 16 texts at MiniLM's full 256-token window.
BATCH_TOKENS = 4096
SPINNING = "session.intra_op.allow_spinning"


class EmbeddingUnavailable(RuntimeError):
    """The int8 model cannot run here; the message says why and what to set instead."""


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
        options.log_severity_level = 3  # errors only: its warnings would land on stderr
        # Idle pool threads block instead of spinning: a search embeds its query while the
        # keyword query runs on another thread, and spinning threads took the cores it
        # needed (measured at stdlib scale: docs/benchmarks.md, "Latency at stdlib scale").
        options.add_session_config_entry(SPINNING, "0")
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
    fails, fp32 logs why and falls back to the torch model for good (same vectors, same
    name). int8 cannot: its name is given out before the model loads (opening an index
    must not wait for a first export), and torch vectors under it would mix with int8
    ones. Its embed calls then raise `EmbeddingUnavailable` with the reason, which the
    index shows while keyword search goes on.
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
        self.error: str | None = None  # why int8 cannot run (it never falls back)
        self.onnx_file: Path | None = None
        self._stage = "onnxruntime"  # what loading does (LoadsModel); the export says so

    @property
    def name(self) -> str:
        """Known without loading: fp32 and its torch fallback share a name, int8 never
        falls back."""
        return self.active_embedder_name

    @property
    def active_embedder_name(self) -> str:
        if self._fallback is not None:
            return self._fallback.name
        return embedder_name(self.model, self.backend)

    @property
    def model_path(self) -> Path:
        return resolve_model_path(self.model)

    @property
    def loaded(self) -> bool:
        return self._session is not None or (self._fallback is not None and self._fallback.loaded)

    @property
    def stage(self) -> str:
        return self._fallback.stage if self._fallback is not None else self._stage

    def _loaded(self) -> _OnnxSession | SentenceTransformerEmbedder:
        if self._session is None and self._fallback is None and self.error is None:
            with self._lock:
                if self._session is None and self._fallback is None and self.error is None:
                    self._load()
        if self.error is not None:
            raise EmbeddingUnavailable(self.error)
        return self._fallback if self._fallback is not None else self._session  # type: ignore[return-value]

    def _load(self) -> None:
        from server.indexing.onnx_export import ensure_export

        def announce(stage: str) -> None:
            self._stage = stage

        try:
            path = self.model_path
            started = time.perf_counter()
            self.onnx_file = ensure_export(
                path, self.cache_dir, quantized=self.quantized, announce=announce
            )
            self._stage = "onnxruntime"
            self._session = _OnnxSession(path, self.onnx_file, torch_threads())
            log.info(
                "loaded embedding model %s with onnxruntime (%s, %d threads) in %.1fs",
                path,
                self.onnx_file.name,
                torch_threads(),
                time.perf_counter() - started,
            )
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"
            if self.quantized:
                self.error = (
                    f"embedding backend onnx-int8 unavailable ({reason}); "
                    "set AURO_EMBEDDING_BACKEND=onnx or torch"
                )
                log.warning("%s", self.error)
                return
            self.fallback_reason = reason
            log.warning(
                "embedding backend %s unavailable (%s); falling back to torch",
                self.backend,
                self.fallback_reason,
            )
            self._fallback = SentenceTransformerEmbedder(self.model, batch_size=self.batch_size)
        finally:
            self._stage = "onnxruntime"

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
