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
from tests.indexing.test_stores import chunk, record


def row(cid: str, path: str, symbol: str, kind: str = "function", lines: int = 5) -> ChunkRow:
    return ChunkRow(cid, path, "python", symbol, kind, 1, lines, "pass", True)


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
