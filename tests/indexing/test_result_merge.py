"""Search results are distinct places: one result per definition, overlaps folded."""

from server.indexing.catalog import ChunkRow
from server.indexing.result_merge import GAP_MARK, Hit, chunk_lines, merge_hits, snippet


def hit(path, symbol, kind, start, end, score, retriever="dense") -> Hit:
    text = "\n".join(f"{path}:{n}" for n in range(start, end + 1))
    row = ChunkRow(f"{path}:{start}", path, "python", symbol, kind, start, end, text, True)
    return Hit(row, score, [retriever], chunk_lines(row))


def spans(hits):
    return [(h.row.path, h.row.symbol, h.row.start_line, h.row.end_line) for h in hits]


def test_parts_of_one_definition_become_one_result_with_combined_range_and_best_score():
    merged = merge_hits(
        [
            hit("models.py", "Response.json", "function_part", 120, 150, 0.4, "keyword"),
            hit("models.py", "Response.json", "method", 90, 119, 0.9),
            hit("models.py", "Response.json", "function_part", 151, 153, 0.7),
            hit("models.py", "Response.text", "method", 60, 89, 0.5),
        ]
    )
    assert spans(merged) == [
        ("models.py", "Response.json", 90, 153),
        ("models.py", "Response.text", 60, 89),
    ]
    assert merged[0].score == 0.9
    assert merged[0].retrievers == ["dense", "keyword"]


def test_the_same_symbol_in_another_file_is_another_place():
    merged = merge_hits(
        [hit("a.py", "load", "function", 1, 10, 0.9), hit("b.py", "load", "function", 1, 10, 0.8)]
    )
    assert len(merged) == 2


def test_unnamed_chunks_merge_only_when_they_overlap():
    merged = merge_hits(
        [
            hit("app.js", "", "module", 1, 26, 0.9),
            hit("app.js", "", "module", 28, 57, 0.8),
            hit("app.js", "", "module", 20, 30, 0.7),
        ]
    )
    assert spans(merged) == [("app.js", "", 1, 30), ("app.js", "", 28, 57)]


def test_an_overlapping_chunk_of_another_definition_is_folded_into_the_better_one():
    merged = merge_hits(
        [
            hit("c.py", "Cache", "class_header", 10, 20, 0.9),
            hit("c.py", "Cache.get", "method", 18, 30, 0.5),
        ]
    )
    assert spans(merged) == [("c.py", "Cache", 10, 30)]


def test_merging_by_definition_can_be_turned_off():
    parts = [
        hit("m.py", "f", "function", 1, 30, 0.9),
        hit("m.py", "f", "function_part", 31, 60, 0.8),
    ]
    assert len(merge_hits(parts, by_definition=False)) == 2


def test_snippet_marks_the_lines_no_part_retrieved():
    merged = merge_hits(
        [
            hit("k.py", "Big", "class_header", 1, 3, 0.9),
            hit("k.py", "Big", "class_body", 10, 11, 0.8),
        ]
    )[0]
    assert snippet(merged).splitlines() == [
        "k.py:1",
        "k.py:2",
        "k.py:3",
        GAP_MARK,
        "k.py:10",
        "k.py:11",
    ]


def test_snippet_is_capped():
    long = hit("l.py", "f", "function", 1, 500, 0.9)
    assert len(snippet(long).splitlines()) == 60
