"""One file cannot fill the list while other files score comparably; grouping by file."""

import pytest

from server.indexing.diversity import best_per_file, diversify


def items(*pairs):
    return [{"path": p, "score": s, "name": f"{p}#{i}"} for i, (p, s) in enumerate(pairs)]


def score(item):
    return item["score"]


def path(item):
    return item["path"]


def test_a_comparable_result_from_another_file_comes_before_a_second_from_the_same_file():
    found = items(("a.py", 1.0), ("a.py", 0.95), ("a.py", 0.9), ("b.py", 0.85))
    chosen = diversify(found, score, path, k=4, decay=0.8)
    assert [i["path"] for i, _ in chosen] == ["a.py", "b.py", "a.py", "a.py"]


def test_a_clearly_better_second_result_of_a_file_keeps_its_place():
    found = items(("a.py", 1.0), ("a.py", 0.95), ("b.py", 0.3))
    chosen = diversify(found, score, path, k=3, decay=0.8)
    assert [i["path"] for i, _ in chosen] == ["a.py", "a.py", "b.py"]


def test_returned_scores_are_discounted_and_never_increase():
    found = items(("a.py", 0.9), ("a.py", 0.8), ("b.py", 0.7), ("a.py", 0.6), ("c.py", 0.2))
    chosen = diversify(found, score, path, k=5, decay=0.5)
    scores = [s for _, s in chosen]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] == 0.9
    assert (chosen[1][0]["path"], chosen[1][1]) == ("b.py", 0.7)
    assert chosen[2][1] == pytest.approx(0.4)  # a.py's second: 0.8 * 0.5


def test_k_bounds_the_list_and_decay_one_keeps_the_score_order():
    found = items(("a.py", 0.9), ("a.py", 0.8), ("b.py", 0.7))
    assert [s for _, s in diversify(found, score, path, k=2, decay=1.0)] == [0.9, 0.8]


def test_decay_outside_zero_one_is_refused():
    with pytest.raises(ValueError, match="decay"):
        diversify(items(("a.py", 1.0)), score, path, k=1, decay=1.5)


def test_grouped_each_file_appears_once_as_its_best_item():
    found = items(("a.py", 0.5), ("b.py", 0.9), ("a.py", 0.8), ("c.py", 0.1))
    grouped = best_per_file(found, score, path, k=2)
    assert [(i["path"], i["score"]) for i in grouped] == [("b.py", 0.9), ("a.py", 0.8)]


def test_by_default_a_second_result_of_a_file_needs_two_and_a_half_times_another_files_best():
    """Default decay: a file's second place at 2x another file's best no longer beats it."""
    found = items(("a.py", 1.0), ("a.py", 0.5), ("b.py", 0.22))
    assert [i["path"] for i, _ in diversify(found, score, path, k=3)] == ["a.py", "b.py", "a.py"]
    found = items(("a.py", 1.0), ("a.py", 0.6), ("b.py", 0.22))
    assert [i["path"] for i, _ in diversify(found, score, path, k=3)] == ["a.py", "a.py", "b.py"]
