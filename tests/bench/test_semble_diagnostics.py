"""Diagnostics of a returned list: distinct files, fragments, tests/docs/old versions."""

from bench.semble_diagnostics import (
    Diagnostics,
    is_doc,
    is_old_version,
    is_test,
    newest_versions,
)
from bench.semble_scoring import Hit


def test_test_and_doc_paths_by_convention():
    assert is_test("pkg/tests/test_client.py")
    assert is_test("src/router.test.ts")
    assert is_test("gin/context_test.go")
    assert not is_test("pkg/testing_utils_not_a_dir.py")
    assert not is_test("pkg/contest.py")
    assert is_doc("docs/extract.md") and is_doc("README.rst")
    assert not is_doc("pkg/docstring.py")


def test_old_versions_are_lower_vN_siblings_and_deprecated_folders():
    paths = ["src/v3/errors.ts", "src/v4/core/errors.ts", "src/v4/mini/x.ts", "pydantic/v1/main.py"]
    newest = newest_versions(paths)
    assert is_old_version("src/v3/errors.ts", newest)
    assert not is_old_version("src/v4/core/errors.ts", newest)
    # a lone v1 folder has no newer sibling in this index
    assert not is_old_version("pydantic/v1/main.py", newest)
    assert is_old_version("pydantic/deprecated/class_validators.py", newest)


def test_summary_counts_slots_of_the_top_ten():
    d = Diagnostics()
    d.add([Hit("a.py", 1, 2), Hit("a.py", 10, 40), Hit("tests/test_a.py", 1, 30)], {})
    d.add([Hit("b.py", 5, 5)], {})
    s = d.summary()
    assert s["distinct_files_top10"] == 1.5  # (2 + 1) / 2 queries
    assert s["fragment_share"] == 0.5  # 2 of 4 slots have <= 3 lines
    assert s["test_share"] == 0.25
    assert s["doc_share"] == 0.0


def test_merge_adds_counts():
    a, b = Diagnostics(), Diagnostics()
    a.add([Hit("x.md", 1, 9)], {})
    b.add([Hit("y.py", 1, 9)], {})
    a.merge(b)
    assert a.queries == 2 and a.docs == 1 and a.slots == 2
