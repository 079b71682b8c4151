"""The invariants every chunking must keep, and the fixture files (the `counter` fixture, the
real MiniLM tokenizer, is in conftest.py)."""

from __future__ import annotations

from pathlib import Path

from server.indexing.chunk import Chunk
from server.indexing.chunking import chunk_file

FIXTURES = Path(__file__).parent / "fixtures"
SPECIAL = 2  # [CLS] and [SEP]


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def check_chunks(chunks: list[Chunk], path: str, text: str, budget: int, counter) -> None:
    """Every invariant of the chunker's output for one file."""
    lines = text.split("\n")
    covered: set[int] = set()
    previous_start = 0
    for c in chunks:
        assert c.path == path
        assert counter(c.embed_text) + SPECIAL <= budget, (c.symbol, c.kind, c.start_line)
        assert 1 <= c.start_line <= c.end_line <= len(lines)
        assert c.start_line >= previous_start, "chunks come in file order"
        previous_start = c.start_line
        whole = "\n".join(lines[c.start_line - 1 : c.end_line])
        if c.text != whole:  # only a piece of one over-long line may differ
            assert c.start_line == c.end_line and c.text in whole, (c.kind, c.start_line)
        assert c.text.strip(), "no blank chunks"
        assert c.embed_text.endswith(c.text)
        if budget >= 128 and len(c.symbol) <= 40:  # else the header may be shortened
            assert c.embed_text.startswith(f"# {path}")
        assert c.embed_text.startswith("# ")
        header_line = c.embed_text.split("\n", 1)[0]
        assert f"({c.kind})" in header_line
        if c.symbol and budget >= 128 and len(c.symbol) <= 40:
            assert c.symbol in header_line
        covered.update(range(c.start_line, c.end_line + 1))
    missing = [i + 1 for i, line in enumerate(lines) if line.strip() and i + 1 not in covered]
    assert not missing, f"lines not in any chunk: {missing}"


def chunk(path: str, text: str, counter, budget: int = 256) -> list[Chunk]:
    chunks = chunk_file(path, text, budget=budget, count_tokens=counter)
    check_chunks(chunks, path, text, budget, counter)
    return chunks


def by_symbol(chunks: list[Chunk]) -> dict[str, Chunk]:
    return {c.symbol: c for c in chunks if c.symbol}
