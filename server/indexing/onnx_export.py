"""Local ONNX exports of a sentence-transformers model, cached in the data dir.

The transformer of a local model directory is exported once with `torch.onnx` (the
TorchScript exporter, eager attention) and optionally int8-quantized with onnxruntime's
dynamic quantization (per-channel weights). onnxruntime's own session-time graph
optimizations do the fusing: an offline BERT fusion pass measured no faster here. Nothing is
downloaded and nothing is written next to the model (site-packages) or into a workspace:
files go to `<cache_root>/<model>-<key>/`, where the key hashes the weights, the config
and the exporter versions, so a changed model or toolchain gets a fresh export.

Writers take a file lock and rename finished files into place, so concurrent processes
(the LSP server and `auro-pai index`) export at most once and never read half a file.

Why not `SentenceTransformer(path, backend="onnx")`: that needs `optimum-onnx`, whose only
release (0.1.0) requires transformers<4.58 while sentence-transformers 6 requires
transformers>=5, so it cannot be installed next to this project's pins.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from server.indexing.embedding_model import quiet_model_libraries

log = logging.getLogger(__name__)

# Bump when the exported graph changes (opset, inputs, quantization settings).
EXPORT_VERSION = 1
OPSET = 17
FP32_FILE = "model.onnx"
INT8_FILE = "model_qint8.onnx"
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT_NAME = "last_hidden_state"
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")

_thread_lock = threading.Lock()
_keys: dict[tuple[str, tuple[tuple[str, int, int], ...]], str] = {}
# Exports finished in this process: another cache dir (another data dir) links to them.
_done: dict[tuple[str, str], Path] = {}


class ExportError(RuntimeError):
    """The model could not be exported or quantized."""


def toolchain_versions() -> dict[str, str]:
    """Versions that shape the exported graph (read without importing torch)."""
    from importlib.metadata import PackageNotFoundError, version

    versions = {"export": str(EXPORT_VERSION)}
    for package in ("torch", "onnx", "onnxruntime"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError as exc:
            raise ImportError(f"{package} is not installed") from exc
    return versions


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def cache_key(model_path: Path) -> str:
    """Hash of the weights, the model config and the toolchain (weights by content).

    Memoized per process for unchanged files (size and mtime), so only the first
    embedder of a process reads the weights.
    """
    stamp = tuple(
        (name, f.stat().st_size, f.stat().st_mtime_ns)
        for name in ("config.json", "tokenizer.json", *WEIGHT_FILES)
        if (f := model_path / name).is_file()
    )
    memo = (str(model_path.resolve()), stamp)
    if memo not in _keys:
        _keys[memo] = _cache_key(model_path)
    return _keys[memo]


def _cache_key(model_path: Path) -> str:
    h = hashlib.sha256()
    h.update(json.dumps(toolchain_versions(), sort_keys=True).encode())
    for name in ("config.json", "tokenizer.json", *WEIGHT_FILES):
        f = model_path / name
        if f.is_file():
            h.update(name.encode())
            h.update(_file_digest(f).encode())
    return h.hexdigest()[:16]


def export_dir(model_path: Path, cache_root: Path) -> Path:
    return cache_root / f"{model_path.name}-{cache_key(model_path)}"


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One exporter per folder: a thread lock in-process, a file lock across processes."""
    folder.mkdir(parents=True, exist_ok=True)
    with _thread_lock, (folder / ".lock").open("a+") as handle:
        try:
            import fcntl
        except ImportError:  # Windows: in-process lock only
            yield
            return
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _remove_leftovers(folder: Path) -> None:
    """Half-written files of an exporter that was stopped (the LSP server leaves with
    `os._exit`, even mid-export). Only called under the lock, so no writer is running."""
    for leftover in folder.glob(".*.tmp"):
        leftover.unlink(missing_ok=True)


def _tmp(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")


def _export_fp32(model_path: Path, target: Path) -> None:
    """Export the transformer (token embeddings out; pooling stays in numpy)."""
    quiet_model_libraries()
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(
        str(model_path), local_files_only=True, attn_implementation="eager"
    ).eval()

    class Transformer(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            out = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    sample = torch.ones((2, 8), dtype=torch.long)
    axes = {"batch": 0, "sequence": 1}
    dynamic = {n: {i: a for a, i in axes.items()} for n in (*INPUT_NAMES, OUTPUT_NAME)}
    tmp = _tmp(target)
    try:
        with torch.no_grad(), _quiet_export_warnings():
            torch.onnx.export(
                Transformer(model),
                (sample, sample, torch.zeros_like(sample)),
                str(tmp),
                input_names=list(INPUT_NAMES),
                output_names=[OUTPUT_NAME],
                dynamic_axes=dynamic,
                opset_version=OPSET,
                dynamo=False,
                do_constant_folding=True,
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def _quiet_export_warnings() -> Iterator[None]:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


PREPROCESS_ADVICE = "Please consider to run pre-processing before quantization"


class _NoPreprocessAdvice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(PREPROCESS_ADVICE)


@contextlib.contextmanager
def quiet_quantizer_advice() -> Iterator[None]:
    """onnxruntime advises static-quantization pre-processing on the root logger; it does not
    apply to dynamic int8, and a first start should print only its progress."""
    root = logging.getLogger()
    advice = _NoPreprocessAdvice()
    root.addFilter(advice)
    try:
        yield
    finally:
        root.removeFilter(advice)


def _quantize(source: Path, target: Path) -> None:
    """Dynamic int8: weights quantized once, activations per batch (no calibration data)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = _tmp(target)
    try:
        with quiet_quantizer_advice():
            quantize_dynamic(str(source), str(tmp), weight_type=QuantType.QInt8, per_channel=True)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def ensure_export(
    model_path: Path,
    cache_root: Path,
    *,
    quantized: bool = False,
    announce: Callable[[str], None] = lambda stage: None,
) -> Path:
    """The cached ONNX file for `model_path`, exported (and quantized) on first use;
    `announce` hears what a slow step is doing (progress shows it)."""
    model_path = Path(model_path)
    try:
        folder = export_dir(model_path, Path(cache_root))
    except ImportError as exc:
        raise ExportError(f"ONNX toolchain missing: {exc}") from exc
    fp32, int8 = folder / FP32_FILE, folder / INT8_FILE
    target = int8 if quantized else fp32
    if target.is_file():
        return _remember(folder.name, target)
    with _locked(folder):
        if target.is_file() or _reuse(folder.name, target):  # done by another process
            if not (folder / "export.json").is_file():  # linked from this process's export
                _write_manifest(folder, model_path)
            return _remember(folder.name, target)
        _remove_leftovers(folder)
        try:
            if not fp32.is_file():
                announce("exporting it to ONNX, first start only")
                started = time.perf_counter()
                _export_fp32(model_path, fp32)
                log.info("exported %s to %s in %.1fs", model_path.name, fp32, _since(started))
            if quantized:
                announce("quantizing it to int8, first start only")
                started = time.perf_counter()
                _quantize(fp32, int8)
                log.info("quantized %s to int8 in %.1fs", model_path.name, _since(started))
            _write_manifest(folder, model_path)
        except Exception as exc:
            raise ExportError(f"ONNX export of {model_path} failed: {exc}") from exc
    if quantized:
        _remember(folder.name, fp32)
    return _remember(folder.name, target)


def _remember(key: str, path: Path) -> Path:
    _done[(key, path.name)] = path
    return path


def _reuse(key: str, target: Path) -> bool:
    """Link (or copy) an identical export made earlier in this process into `target`."""
    source = _done.get((key, target.name))
    if source is None or not source.is_file():
        return False
    tmp = _tmp(target)
    try:
        try:
            os.link(source, tmp)
        except OSError:
            shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    except OSError:
        tmp.unlink(missing_ok=True)
        return False
    return True


def _since(started: float) -> float:
    return time.perf_counter() - started


def _write_manifest(folder: Path, model_path: Path) -> None:
    manifest = {"source": str(model_path), **toolchain_versions()}
    tmp = _tmp(folder / "export.json")
    tmp.write_text(json.dumps(manifest, indent=2) + "\n")
    os.replace(tmp, folder / "export.json")
