"""The edit contracts on their own: what each action may change, in several languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.chat.contracts import (
    Replacement,
    adds_tests_only,
    docstrings_only,
    is_test_file,
    within_definition,
)
from server.chat.edits import replace_lines
from tests.support.sample_code import CALC

REFACTOR = "Auro: Refactor selection"
ADD = (3, 4)  # 0-based lines of `add` in CALC
DIVIDE_BODY = (8, 9)  # the `if` statement inside `divide`


def replaced(code: str, lines: tuple[int, int] = ADD, text: str = CALC, language: str = "python"):
    first, last = lines
    edit = replace_lines(Path("calc.py"), text, first, last, code)
    return Replacement.of(language, text, edit.after, first, last)


# docstrings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        'def add(a, b):\n    """Return the sum of a and b."""\n    return a + b\n',
        "def add(a, b):\n    # the sum\n    return a + b  # no overflow in Python\n",
        '# Adds.\ndef add(a, b):\n    """Sum.\n\n    Args:\n        a: one.\n    """\n'
        "    return a + b\n",
        # `pass` is a no-op, and layout inside a line does not count
        'def add(a, b):\n    """Sum."""\n    pass\n    return a+b\n',
    ],
)
def test_docstrings_may_add_docs_and_comments(code: str):
    verdict = docstrings_only(replaced(code))
    assert verdict.ok, verdict.reason
    assert "token-identical" in verdict.checked and "python parser" in verdict.checked


@pytest.mark.parametrize(
    ("code", "where"),
    [
        ('def add(a, b):\n    """Sum."""\n    return sum((a, b))\n', "reads `return sum((a, b))`"),
        ('def add(a, b):\n    """Sum."""\n', "`return a + b`"),
        ('def add(x, y):\n    """Sum."""\n    return x + y\n', "def add(x, y):"),
        (CALC, "is added"),
        ('def add(a, b):\n    """Sum."""\nreturn a + b\n', "return a + b"),  # left the block
        ('def add(a, b):\n    """Sum."""\n    return "a + b"\n', "return"),  # strings are code
    ],
)
def test_docstrings_refuse_any_code_change(code: str, where: str):
    verdict = docstrings_only(replaced(code))
    assert not verdict.ok
    assert "changes code, not only docstrings and comments" in verdict.reason
    assert where in verdict.reason


JS = "function add(a, b) {\n  return a + b;\n}\n\nfunction sub(a, b) {\n  return a - b;\n}\n"
GO = "package calc\n\nfunc Add(a int, b int) int {\n\treturn a + b\n}\n"


def test_docstrings_in_other_languages_compare_code_without_comments():
    jsdoc = "/** Adds. */\nfunction add(a, b) {\n  // sum\n  return a + b;\n}\n"
    assert docstrings_only(replaced(jsdoc, (0, 2), JS, "javascript")).ok
    changed = "/** Adds. */\nfunction add(a, b) {\n  return b + a;\n}\n"
    assert not docstrings_only(replaced(changed, (0, 2), JS, "javascript")).ok
    godoc = "// Add adds.\nfunc Add(a int, b int) int {\n\treturn a + b\n}\n"
    assert docstrings_only(replaced(godoc, (2, 4), GO, "go")).ok
    renamed = "// Add adds.\nfunc Plus(a int, b int) int {\n\treturn a + b\n}\n"
    assert not docstrings_only(replaced(renamed, (2, 4), GO, "go")).ok


def test_docstrings_without_a_parser_accept_only_added_comment_lines():
    text = "fun add(a: Int, b: Int) = a + b\nfun sub(a: Int, b: Int) = a - b\n"
    ok = docstrings_only(
        replaced("/** Adds. */\nfun add(a: Int, b: Int) = a + b\n", (0, 0), text, "")
    )
    assert ok.ok and "line by line" in ok.checked
    code = docstrings_only(
        replaced("// Adds.\nfun add(a: Int, b: Int) = b + a\n", (0, 0), text, "")
    )
    assert not code.ok and "changes or removes line 1" in code.reason
    added = docstrings_only(
        replaced("fun add(a: Int, b: Int) = a + b\nval x = 1\n", (0, 0), text, "")
    )
    assert not added.ok and "is not a comment" in added.reason


# refactor and fix ------------------------------------------------------------------------


def test_refactor_inside_the_definition_is_accepted():
    verdict = within_definition(
        replaced("def add(a, b):\n    total = a + b\n    return total\n"), REFACTOR
    )
    assert verdict.ok, verdict.reason
    assert "stays on lines 4-5" in verdict.checked and "signature of add" in verdict.checked


def test_statements_inside_a_function_may_change_but_not_leave_it():
    inside = "    if not b:\n        raise ZeroDivisionError('zero')\n"
    verdict = within_definition(replaced(inside, DIVIDE_BODY), "Auro: Fix")
    assert verdict.ok and "divide" in verdict.checked
    helper = "    def check(b):\n        assert b\n    check(b)\n"
    assert within_definition(replaced(helper, DIVIDE_BODY), "Auro: Fix").ok
    escaped = "if not b:\n    raise ZeroDivisionError('zero')\nreturn 0\n"
    left = within_definition(replaced(escaped, DIVIDE_BODY), "Auro: Fix")
    assert not left.ok and "leaves divide" in left.reason


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("def add_numbers(a, b):\n    return a + b\n", "renames add to add_numbers"),
        ("def add(a, b, c=0):\n    return a + b + c\n", "from `def add(a, b):` to"),
        (CALC, "adds divide"),
        ("def add(a, b):\n    return a + b\n\n\ndef divide(a, b):\n    return 0\n", "adds divide"),
        ("# removed\n", "removes add"),
        ("import os\n\n\ndef add(a, b):\n    return a + b\n", "line 4 (`import os`)"),
        ("def add(a, b):\n    return a + b\n\n\nprint(add(1, 2))\n", "`print(add(1, 2))`"),
    ],
)
def test_refactor_refuses_edits_beyond_the_selected_definition(code: str, reason: str):
    verdict = within_definition(replaced(code), REFACTOR)
    assert not verdict.ok and reason in verdict.reason


def test_a_fix_whose_diagnostic_asks_for_it_may_rename_or_change_the_signature():
    renamed = replaced("def add_numbers(a, b):\n    return a + b\n")
    asked = 'Auro: Fix Function name "add" does not conform to the naming style'
    assert within_definition(renamed, asked).ok
    # a diagnostic about some other name allows no rename of `add`
    assert not within_definition(renamed, "Auro: Fix Undefined name `total`").ok
    typed = replaced("def add(a: int, b: int) -> int:\n    return a + b\n")
    assert not within_definition(typed, REFACTOR).ok
    assert within_definition(typed, "Auro: Fix Missing type annotation for parameter a").ok


def test_refactor_in_other_languages_keeps_names_and_stays_in_range():
    body = "function add(a, b) {\n  const sum = a + b;\n  return sum;\n}\n"
    assert within_definition(replaced(body, (0, 2), JS, "javascript"), REFACTOR).ok
    outside = body + "\nfunction sub(a, b) {\n  return 0;\n}\n"
    verdict = within_definition(replaced(outside, (0, 2), JS, "javascript"), REFACTOR)
    assert not verdict.ok and "adds sub" in verdict.reason
    go = "func Add(x int, y int) int {\n\treturn x + y\n}\n"
    verdict = within_definition(replaced(go, (2, 4), GO, "go"), REFACTOR)
    assert not verdict.ok and "signature of Add" in verdict.reason


def test_refactor_without_a_parser_refuses_code_pasted_from_outside():
    text = "\n".join(f"val line{i} = compute({i}, other{i})" for i in range(10)) + "\n"
    ok = within_definition(replaced("val line3 = compute(3, 0)\n", (3, 3), text, ""), REFACTOR)
    assert ok.ok and "name and signature not checked" in ok.checked
    verdict = within_definition(replaced(text, (3, 3), text, ""), REFACTOR)
    assert not verdict.ok and "repeats code from outside" in verdict.reason


# tests -----------------------------------------------------------------------------------

TEST_CODE = "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("test_calc.py", True),
        ("calc_test.go", True),
        ("calc.test.ts", True),
        ("calc.spec.js", True),
        ("CalcTest.java", True),
        ("calc_spec.rb", True),
        ("calc.py", False),
        ("conftest.py", False),
        ("contest.py", False),
    ],
)
def test_test_files_are_known_by_name(name: str, expected: bool):
    assert is_test_file(Path(name)) is expected


def test_tests_are_created_or_appended_in_test_files_only(tmp_path: Path):
    tests = tmp_path / "tests"
    tests.mkdir()
    created = adds_tests_only(tests / "test_calc.py", tmp_path, "python", None, True, TEST_CODE)
    assert created.ok and created.checked.startswith("it only creates tests/test_calc.py")
    appended = adds_tests_only(
        tests / "test_calc.py", tmp_path, "python", "x = 1\n", True, TEST_CODE
    )
    assert appended.ok and "appends to" in appended.checked
    changed = adds_tests_only(
        tests / "test_calc.py", tmp_path, "python", "x = 1\n", False, TEST_CODE
    )
    assert not changed.ok and "only appended" in changed.reason
    source = adds_tests_only(tmp_path / "calc.py", tmp_path, "python", None, True, TEST_CODE)
    assert not source.ok and "calc.py is not a test file" in source.reason
    no_tests = "def add(a, b):\n    return a + b\n"
    empty = adds_tests_only(tests / "test_calc.py", tmp_path, "python", None, True, no_tests)
    assert not empty.ok and "defines no test" in empty.reason
    go = adds_tests_only(
        tmp_path / "calc_test.go", tmp_path, "go", None, True, "func TestAdd(t *testing.T) {}"
    )
    assert go.ok and "1 test(s)" in go.checked


def test_tests_never_go_through_a_link_to_another_file(tmp_path: Path):
    (tmp_path / "calc.py").write_text(CALC)
    (tmp_path / "tests").mkdir()
    link = tmp_path / "tests" / "test_calc.py"
    link.symlink_to(tmp_path / "calc.py")
    verdict = adds_tests_only(link, tmp_path, "python", CALC, True, TEST_CODE)
    assert not verdict.ok and "which is not a test file" in verdict.reason
    outside = tmp_path.parent / f"{tmp_path.name}-elsewhere"
    outside.mkdir()
    (outside / "test_other.py").write_text("")
    away = tmp_path / "tests" / "test_away.py"
    away.symlink_to(outside / "test_other.py")
    verdict = adds_tests_only(away, tmp_path, "python", "", True, TEST_CODE)
    assert not verdict.ok and "outside the workspace" in verdict.reason
