"""The search reranker: its features, the shipped model file and the name-view vectors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from server.indexing import rerank
from server.indexing.catalog import Catalog, ChunkRow
from server.indexing.identifiers import name_text, query_terms
from server.indexing.rerank import FEATURES, Candidate, RerankModel, features
from tests.indexing.records import chunk, record


def row(
    cid: str, path: str, symbol: str, kind: str = "function", lines: int = 5, text: str = "pass"
) -> ChunkRow:
    return ChunkRow(cid, path, "python", symbol, kind, 1, lines, text, True)


def coded(cid: str, path: str, symbol: str, text: str) -> Candidate:
    """A candidate both retrievers ranked first, so that only its text tells it apart."""
    return Candidate(row(cid, path, symbol, text=text), 1, 0.7, 1, 0.4)


def column(rows: list[list[float]], name: str) -> list[float]:
    return [r[FEATURES.index(name)] for r in rows]


def test_features_are_relative_to_the_best_candidate_and_count_the_file() -> None:
    candidates = [
        Candidate(row("a", "net/http.py", "Client.parse_status_line"), 1, 0.8, None, 0.5),
        Candidate(row("b", "net/http.py", "send"), 2, 0.6, 3, None),
        Candidate(row("c", "util.py", "noop", kind="module"), None, None, 1, 0.2),
    ]
    rows = features(query_terms("Parses the status line of a response"), candidates)
    assert column(rows, "dense_gap") == pytest.approx([0.0, -0.2, -0.2])  # absent: the floor
    assert column(rows, "dense_log_rank") == pytest.approx([0.0, math.log(2), math.log(4)])
    assert column(rows, "keyword_log_rank") == pytest.approx([math.log(4), math.log(3), 0.0])
    assert column(rows, "name_share") == pytest.approx([1.0, 0.0, 0.0])  # parse, status, line
    assert column(rows, "name_hits") == [3.0, 0.0, 0.0]
    assert column(rows, "name_gap") == pytest.approx([0.0, -0.3, -0.3])
    assert column(rows, "file_candidates") == [2.0, 2.0, 1.0]
    assert column(rows, "file_best_gap") == pytest.approx([0.0, 0.0, -0.2])
    assert column(rows, "kind_module") == [0.0, 0.0, 1.0]


def test_code_cover_counts_query_words_in_code_not_in_comments_or_strings() -> None:
    candidates = [
        coded("a", "a.py", "f", "def f(status):\n    return parse(status)"),
        coded(
            "b",
            "b.py",
            "g",
            'def g():\n    """Parse the status."""\n    # parse status\n    return 1',
        ),
        coded("c", "c.ts", "h", "function h() {\n  // parse the status\n  return 'status';\n}"),
    ]
    rows = features(query_terms("Parse the status"), candidates)
    assert column(rows, "code_cover") == pytest.approx([1.0, 0.0, 0.0])
    assert column(rows, "code_cover_gap") == pytest.approx([0.0, -1.0, -1.0])


def test_coverage_weighs_rare_words_and_finds_them_inside_names() -> None:
    candidates = [  # "read" is in every candidate's code, "config" and "even" in one each
        coded("a", "io.py", "read_config", "def read_config(path):\n    return read(path)"),
        coded("b", "io.py", "Number._iseven", "def _iseven(self):\n    return read(self)"),
        coded("c", "net.py", "reader", "def reader():\n    read()"),
    ]
    rows = features(query_terms("Read the config if it is even"), candidates)
    common, rare = math.log1p(3 / 3), math.log1p(3 / 1)  # IDF over the three candidates
    total = common + 2 * rare
    assert column(rows, "code_cover") == pytest.approx([(common + rare) / total] * 2 + [0.2])
    assert common / total == pytest.approx(0.2)
    # `_iseven` holds "even"; `reader` holds "read"
    assert column(rows, "symbol_cover") == pytest.approx([0.6, 0.4, 0.2])
    assert column(rows, "file_code_gap") == pytest.approx([0.0, 0.0, -0.4])


def test_signature_cover_reads_the_first_line_of_code() -> None:
    text = "@functools.cache\ndef load(path, encoding):\n    return decode(path)"
    candidates = [coded("a", "a.py", "load", text), coded("b", "b.py", "g", "def g(x):\n    pass")]
    rows = features(query_terms("Load with the given encoding"), candidates)
    assert column(rows, "signature_cover") == pytest.approx([1.0, 0.0])  # load, encoding


def test_coverage_of_a_query_without_content_words_is_zero() -> None:
    rows = features(query_terms("what is it"), [coded("a", "a.py", "f", "def f(): pass")])
    assert [column(rows, name) for name in FEATURES[-5:]] == [[0.0]] * 5


def test_shipped_model_prefers_the_code_that_spells_the_query() -> None:
    spelled = coded("a", "m.py", "Archive.close", "def close(self):\n    self.flush_members()")
    other = coded("b", "m.py", "Archive.open", "def open(self):\n    self.load()")
    scores = rerank.DEFAULT_MODEL.scores(query_terms("Flush the members"), [spelled, other])
    assert scores[0] > scores[1]


def test_shipped_model_prefers_the_named_function_over_an_equal_neighbour() -> None:
    def candidate(cid: str, symbol: str) -> Candidate:
        return Candidate(row(cid, f"{cid}.py", symbol), 1, 0.7, 1, 0.4)

    pair = [candidate("x", "load_config"), candidate("y", "render_page")]
    scores = rerank.DEFAULT_MODEL.scores(query_terms("Load the config file"), pair)
    assert scores[0] > scores[1] and all(0.0 < s < 1.0 for s in scores)
    header = Candidate(row("z", "z.py", "Page", kind="class_header"), 1, 0.7, 1, 0.4)
    function = Candidate(row("w", "w.py", "page"), 1, 0.7, 1, 0.4)
    scores = rerank.DEFAULT_MODEL.scores(query_terms("the page"), [header, function])
    assert scores[1] > scores[0]  # an outline of members is rarely the answer itself


def test_model_file_must_name_exactly_the_features(tmp_path: Path) -> None:
    shipped = json.loads(Path(rerank.__file__).with_name(rerank.MODEL_FILE).read_text())
    assert set(shipped["weights"]) == set(FEATURES)
    assert RerankModel.from_json(shipped) == rerank.DEFAULT_MODEL
    del shipped["weights"]["name_gap"]
    with pytest.raises(ValueError, match="rerank model features"):
        RerankModel.from_json(shipped)


def test_name_vectors_are_stored_backfilled_and_dropped(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "index.sqlite3")
    a = chunk("pkg/m.py", "Reader.read_line", "def read_line(self): pass")
    b = chunk("pkg/m.py", "", "import os", 3)
    catalog.replace_file(record("pkg/m.py"), [a, b])
    names = {name_text(a.symbol, a.path): [1.0, 0.0]}
    assert list(names) == ["reader read line"]
    live = catalog.vectors.begin_add(
        [a.id, b.id], {a.content_hash: [1.0], b.content_hash: [0.0]}, names
    )
    catalog.vectors.confirm_added(live)
    assert catalog.name_vectors(["reader read line", "nope"]) == names
    assert catalog.vectors.names_without_vectors(10) == []  # a new catalog has every name view
    with catalog.db.transaction() as tx:  # as before name views existed
        tx.execute("DELETE FROM meta WHERE key = 'name_views'")
    assert catalog.vectors.names_without_vectors(10) == ["pkg m py"]  # the unnamed chunk's path
    catalog.vectors.add_name_vectors({"pkg m py": [0.0, 1.0]})
    assert catalog.vectors.names_without_vectors(10) == []
    assert catalog.db.get_meta("name_views") == "complete"
    catalog.replace_file(record("pkg/m.py", "s2"), [b])
    catalog.vectors.drop_unused_vectors()
    assert catalog.name_vectors(["reader read line", "pkg m py"]) == {"pkg m py": [0.0, 1.0]}
    catalog.vectors.forget_vectors()
    assert catalog.name_vectors(["pkg m py"]) == {}
