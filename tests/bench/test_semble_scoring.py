"""The semble benchmark's scoring method on small hand-made cases."""

import json
import math

import pytest

from bench.semble_scoring import (
    Hit,
    Target,
    findable_targets,
    infer_category,
    load_tasks,
    ndcg,
    path_matches,
    target_rank,
)


def test_path_matches_by_suffix_at_a_folder_boundary():
    assert path_matches("aiohttp/client.py", "aiohttp/client.py")
    assert path_matches("/data/aiohttp/aiohttp/client.py", "aiohttp/client.py")
    assert path_matches("client.py", "aiohttp/client.py")
    assert not path_matches("aiohttp/myclient.py", "client.py")
    assert not path_matches("aiohttp/client.py", "aiohttp/client_ws.py")


def test_a_span_target_needs_overlapping_lines():
    target = Target("fastapi/routing.py", 1005, 1030)
    assert target_rank([Hit("fastapi/routing.py", 1, 40)], target) is None
    assert target_rank([Hit("fastapi/routing.py", 1030, 1040)], target) == 1
    assert target_rank([Hit("fastapi/routing.py", 990, 1005)], target) == 1
    assert target_rank([Hit("fastapi/routing.py", 1031, 1100)], target) is None


def test_a_target_scores_at_its_first_covering_result():
    hits = [Hit("a.py", 1, 5), Hit("b.py", 1, 5), Hit("b.py", 10, 20)]
    assert target_rank(hits, Target("b.py")) == 2


def test_single_target_ndcg_is_the_discount_of_its_rank():
    targets = (Target("b.py"),)
    hits = [Hit("a.py", 1, 2), Hit("b.py", 1, 2)]
    assert ndcg(hits, targets, findable=1) == pytest.approx(1 / math.log2(3))
    assert ndcg([Hit("b.py", 1, 2)], targets, findable=1) == 1.0


def test_relevant_and_secondary_both_gain_one_and_the_ideal_counts_both():
    targets = (Target("a.py"), Target("b.py"))
    ideal = 1 + 1 / math.log2(3)
    assert ndcg([Hit("a.py", 1, 2)], targets, findable=2) == pytest.approx(1 / ideal)
    hits = [Hit("x.py", 1, 2), Hit("b.py", 1, 2), Hit("a.py", 1, 2)]
    expected = (1 / math.log2(3) + 1 / math.log2(4)) / ideal
    assert ndcg(hits, targets, findable=2) == pytest.approx(expected)


def test_results_are_scored_as_returned_and_only_the_top_ten_count():
    target = (Target("z.py"),)
    hits = [Hit(f"f{i}.py", 1, 2) for i in range(10)] + [Hit("z.py", 1, 2)]
    assert ndcg(hits, target, findable=1) == 0.0
    # the same hit repeated fills slots but gains once
    repeated = [Hit("z.py", 1, 2)] * 3
    assert ndcg(repeated, target, findable=1) == 1.0


def test_one_result_covering_two_targets_gains_once():
    targets = (Target("a.py", 1, 5), Target("a.py", 6, 9))
    both = ndcg([Hit("a.py", 1, 9)], targets, findable=2)
    assert both == pytest.approx(1 / (1 + 1 / math.log2(3)))


def test_no_findable_target_scores_zero():
    assert ndcg([Hit("a.py", 1, 2)], (Target("a.py"),), findable=0) == 0.0


def test_findable_targets_need_the_file_and_a_span_inside_it(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text("a\nb\nc\n")
    targets = (
        Target("pkg/m.py"),
        Target("pkg/m.py", 2, 3),
        Target("pkg/m.py", 50, 60),
        Target("pkg/gone.py"),
    )
    assert findable_targets(targets, tmp_path) == 2


def test_annotations_load_with_targets_in_order_and_inferred_categories(tmp_path):
    file = tmp_path / "demo.json"
    file.write_text(
        json.dumps(
            [
                {
                    "query": "Depends",
                    "relevant": [{"path": "p.py", "start_line": 3, "end_line": 4}],
                    "secondary": ["q.py"],
                },
                {"query": "how it works", "relevant": ["r.py"], "category": "semantic"},
            ]
        )
    )
    first, second = load_tasks(file)
    assert first.repo == "demo" and first.category == "symbol"
    assert first.targets == (Target("p.py", 3, 4), Target("q.py"))
    assert second.category == "semantic"
    assert infer_category("how does routing work") == "architecture"
    assert infer_category("routing table lookup") == "semantic"
