"""The priors on reranked scores: definitions of named symbols first, source over tests,
file-stem matches, keyword ranks for identifier queries."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.indexing import search as search_module
from server.indexing.catalog import Catalog, ChunkRow, FileRecord
from server.indexing.chunk import Chunk
from server.indexing.definitions import find_definitions
from server.indexing.search import HybridSearch, Retrieved, SearchWeights
from server.indexing.search_priors import (
    FOLDER_WORD,
    STEM_NAMED,
    STEM_WORDS_BOOST,
    QueryPriors,
    adjust,
    is_definition,
)


def row(cid: str, path: str, symbol: str = "", kind: str = "function") -> ChunkRow:
    return ChunkRow(cid, path, "python", symbol, kind, 1, 10, "pass", True)


ROWS = {
    r.id: r
    for r in (
        row("class", "fastapi/routing.py", "APIRouter", "class_header"),
        row("init", "fastapi/routing.py", "APIRouter.__init__", "function_part"),
        row("usage", "fastapi/applications.py", "FastAPI.include_router", "method"),
        row("test", "tests/test_routing.py", "test_router", "function"),
        row("src", "fastapi/dependencies/utils.py", "solve_dependencies", "function"),
    )
}


def ranked(scores: dict[str, float]) -> list[str]:
    return sorted(scores, key=lambda cid: scores[cid], reverse=True)


def test_a_named_symbol_goes_to_its_definition_first() -> None:
    scores = {"class": 0.2, "init": 0.9, "usage": 0.8, "test": 0.7, "src": 0.1}
    for query in ("APIRouter", "api router"):
        out = adjust(scores, ROWS, {}, QueryPriors.of(query), frozenset())
        assert ranked(out)[0] == "class", query


def test_a_method_is_not_its_class_definition() -> None:
    names = QueryPriors.of("APIRouter").shape.strong_names
    assert is_definition(ROWS["class"], names)
    assert not is_definition(ROWS["init"], names)


def test_source_over_tests_unless_the_query_asks_for_tests() -> None:
    scores = {"test": 0.8, "src": 0.6}
    plain = adjust(scores, ROWS, {}, QueryPriors.of("how are dependencies solved"), frozenset())
    assert ranked(plain) == ["src", "test"]
    asked = adjust(scores, ROWS, {}, QueryPriors.of("tests for dependencies"), frozenset())
    assert asked["test"] >= 0.8  # not discounted (and in a folder the query names)
    assert ranked(asked) == ["test", "src"]


def test_a_file_named_after_the_query_gains() -> None:
    scores = {"usage": 0.5, "src": 0.5}
    question = adjust(scores, ROWS, {}, QueryPriors.of("how do applications start"), frozenset())
    assert question["usage"] == 0.5 * STEM_WORDS_BOOST  # applications.py: the query's word
    assert question["src"] == 0.5
    named = adjust(scores, ROWS, {}, QueryPriors.of("utils"), frozenset())
    assert named["src"] == 0.5 * STEM_NAMED  # utils.py: the name the query spells


def test_keyword_rank_counts_for_identifier_queries_only() -> None:
    scores = {"usage": 0.5, "src": 0.5}
    rank = {"src": 1}
    question = adjust(scores, ROWS, rank, QueryPriors.of("how are routes included"), frozenset())
    assert question["usage"] == question["src"]
    ident = adjust(scores, ROWS, rank, QueryPriors.of("HTTPException"), frozenset())
    assert ident["src"] > ident["usage"]


def _chunk(path: str, symbol: str, kind: str, start: int, text: str) -> Chunk:
    end = start + len(text.splitlines()) - 1
    return Chunk(path, "python", symbol, kind, start, end, text, f"{path} {symbol}\n{text}")


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    catalog = Catalog(tmp_path / "index.sqlite3")
    usage = "\n".join(f"    router = APIRouter(prefix='/v{i}')  # api router" for i in range(6))
    catalog.replace_file(
        FileRecord("app/routing.py", 1, 1, "a", "python"),
        [
            _chunk("app/routing.py", "APIRouter", "class_header", 1, "class APIRouter:"),
            _chunk("app/routing.py", "APIRouter.__init__", "method", 2, "def __init__(self):"),
        ],
    )
    catalog.replace_file(
        FileRecord("app/main.py", 1, 1, "b", "python"),
        [_chunk("app/main.py", "build", "function", 1, f"def build():\n{usage}")],
    )
    catalog.replace_file(
        FileRecord("tests/test_main.py", 1, 1, "c", "python"),
        [_chunk("tests/test_main.py", "test_build", "function", 1, f"def test_build():\n{usage}")],
    )
    return catalog


def test_find_definitions_matches_normalised_names_only(catalog: Catalog) -> None:
    found = find_definitions(catalog, {"apirouter"})
    assert [(r.symbol, r.kind) for r in found] == [("APIRouter", "class_header")]
    assert find_definitions(catalog, set()) == []


@pytest.mark.parametrize("query", ["APIRouter", "api router"])
async def test_search_returns_the_definition_first_and_source_before_tests(
    catalog: Catalog, query: str
) -> None:
    search = HybridSearch(catalog, None, None, SearchWeights())
    results, _ = await search.search(query, k=5, retrievers=("dense", "keyword"))
    paths = [r.path for r in results]
    assert (results[0].path, results[0].symbol) == ("app/routing.py", "APIRouter")
    assert paths.index("app/main.py") < paths.index("tests/test_main.py")


def test_a_question_mentioning_a_name_boosts_its_definition_without_forcing_it_first() -> None:
    """Docstring-like questions mention identifiers of the code they describe (stdlib task)."""
    scores = {"class": 0.2, "usage": 0.8}
    question = QueryPriors.of("include the routes of an APIRouter in the app")
    out = adjust(scores, ROWS, {}, question, frozenset())
    assert ranked(out)[0] == "usage"
    assert out["class"] > 0.2


def test_a_file_holding_many_candidates_gains() -> None:
    rows = {
        "a1": row("a1", "pkg/core.py", "run"),
        "a2": row("a2", "pkg/core.py", "stop"),
        "a3": row("a3", "pkg/core.py", "wait"),
        "b": row("b", "pkg/misc.py", "helper"),
    }
    scores = {"a1": 0.5, "a2": 0.1, "a3": 0.1, "b": 0.5}
    out = adjust(scores, rows, {}, QueryPriors.of("how does the loop work"), frozenset())
    assert out["a1"] > out["b"] == 0.5


def test_a_previous_version_kept_beside_the_current_one_yields_to_it() -> None:
    """zod: `v3/ZodError.ts` scored 30x `v4/core/errors.ts` for "ZodError structure"; an
    old copy comes first only when it scores over ten times the current code, or when asked."""
    rows = {
        "old": row("old", "src/v3/errors.ts", "formatIssues"),
        "new": row("new", "src/v4/errors.ts", "formatIssues"),
    }
    old_dirs = frozenset({"src/v3"})
    scores = {"old": 0.5, "new": 0.06}
    plain = adjust(scores, rows, {}, QueryPriors.of("how are issues formatted"), old_dirs)
    assert ranked(plain) == ["new", "old"]
    asked = adjust(scores, rows, {}, QueryPriors.of("how are v3 issues formatted"), old_dirs)
    assert ranked(asked) == ["old", "new"]


def _zod_like(tmp_path: Path) -> Catalog:
    """`ZodType` defined in an old `v3/` (one class in three chunks) and in `v4/core/` (an
    interface and a constant in two parts), as zod lays it out."""
    catalog = Catalog(tmp_path / "zod.sqlite3")
    old = "src/v3/types.ts"
    catalog.replace_file(
        FileRecord(old, 1, 1, "a", "typescript"),
        [
            _chunk(old, "ZodType", "class_header", 1, "class ZodType {"),
            _chunk(old, "ZodType", "class_body", 2, "  parse() {}"),
            _chunk(old, "ZodType", "class_body", 3, "  check() {}"),
        ],
    )
    new = "src/v4/core/schemas.ts"
    catalog.replace_file(
        FileRecord(new, 1, 1, "b", "typescript"),
        [
            _chunk(new, "$ZodType", "interface", 1, "interface $ZodType {}"),
            _chunk(new, "$ZodType", "const", 2, "const $ZodType = make("),
            _chunk(new, "$ZodType", "const", 3, "  parse);"),
        ],
    )
    return catalog


def test_find_definitions_lists_every_definition_before_their_other_parts(
    tmp_path: Path,
) -> None:
    found = find_definitions(_zod_like(tmp_path), {"zodtype"})
    heads = [(r.path, r.kind, r.start_line) for r in found[:3]]
    assert heads == [
        ("src/v3/types.ts", "class_header", 1),
        ("src/v4/core/schemas.ts", "interface", 1),
        ("src/v4/core/schemas.ts", "const", 2),
    ]
    assert len(found) == 6


async def test_definitions_added_to_the_candidates_prefer_current_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With room for two, both go to the current version's definitions, not the old copy."""
    monkeypatch.setattr(search_module, "DEFINITIONS_ADDED", 2)
    search = HybridSearch(_zod_like(tmp_path), None, None, SearchWeights())
    found = Retrieved({}, {"dense": [], "keyword": []}, {}, None)
    ids = await search.definitions(found, QueryPriors.of("how ZodType parses"), None, None)
    assert [(found.rows[i].path, found.rows[i].kind) for i in ids] == [
        ("src/v4/core/schemas.ts", "interface"),
        ("src/v4/core/schemas.ts", "const"),
    ]


def test_a_file_in_a_folder_the_query_names_gains() -> None:
    rows = {
        "sec": row("sec", "fastapi/security/base.py", "SecurityBase"),
        "app": row("app", "fastapi/applications.py", "FastAPI.setup"),
    }
    scores = {"sec": 0.5, "app": 0.5}
    out = adjust(
        scores, rows, {}, QueryPriors.of("security and OAuth2 authentication"), frozenset()
    )
    assert out["sec"] == pytest.approx(0.5 * (1 + FOLDER_WORD))
    assert out["app"] == 0.5
