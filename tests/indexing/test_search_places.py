"""HybridSearch over a real catalog returns distinct places: a definition's parts as one
result, a second file before a file's weaker parts, and each file once when grouped."""

from pathlib import Path

import pytest

from server.indexing.catalog import Catalog, FileRecord
from server.indexing.chunk import Chunk
from server.indexing.search import HybridSearch, SearchWeights


def chunk(path: str, symbol: str, kind: str, start: int, text: str) -> Chunk:
    end = start + len(text.splitlines()) - 1
    return Chunk(path, "python", symbol, kind, start, end, text, f"{path} {symbol}\n{text}")


@pytest.fixture
def search(tmp_path: Path) -> HybridSearch:
    catalog = Catalog(tmp_path / "index.sqlite3")
    body = "\n".join(f"    retry_backoff_delay step {i}" for i in range(8))
    catalog.replace_file(
        FileRecord("net/retry.py", 1, 1, "a", "python"),
        [
            chunk("net/retry.py", "Retry.backoff", "method", 1, f"def backoff(self):\n{body}"),
            chunk("net/retry.py", "Retry.backoff", "function_part", 10, body),
            chunk("net/retry.py", "Retry.backoff", "function_part", 18, body),
            chunk("net/retry.py", "Retry.reset", "method", 30, "def reset(self):\n    retry = 0"),
        ],
    )
    catalog.replace_file(
        FileRecord("net/policy.py", 1, 1, "b", "python"),
        [chunk("net/policy.py", "policy", "function", 1, "def policy():\n    retry_backoff_delay")],
    )
    return HybridSearch(catalog, None, None, SearchWeights(rerank=False))


async def test_parts_of_one_definition_are_one_result(search: HybridSearch) -> None:
    results, warnings = await search.search("retry backoff delay", k=10, retrievers=("keyword",))
    places = [(r.path, r.symbol) for r in results]
    assert places.count(("net/retry.py", "Retry.backoff")) == 1
    backoff = next(r for r in results if r.symbol == "Retry.backoff")
    assert (backoff.start_line, backoff.end_line) == (1, 25)
    assert "def backoff(self):" in backoff.snippet
    assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)
    assert warnings == []


async def test_grouped_by_file_each_file_once(search: HybridSearch) -> None:
    results, _ = await search.search("retry", k=10, retrievers=("keyword",), group=True)
    assert sorted(r.path for r in results) == ["net/policy.py", "net/retry.py"]
    one, _ = await search.search("retry", k=1, retrievers=("keyword",), group=True)
    assert len(one) == 1 and one[0].path == results[0].path
