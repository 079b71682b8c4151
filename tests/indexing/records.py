"""Minimal chunks and file records for catalog and store tests."""

from __future__ import annotations

from server.indexing.catalog import FileRecord
from server.indexing.chunk import Chunk


def chunk(path: str, symbol: str, text: str, start: int = 1) -> Chunk:
    end = start + text.count("\n")
    header = f"# {path} {symbol}\n"
    return Chunk(path, "python", symbol, "function", start, end, text, header + text)


def record(path: str, sha: str = "s1") -> FileRecord:
    return FileRecord(path, 10, 1, sha, "python")
