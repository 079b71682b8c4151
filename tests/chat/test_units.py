"""The plain helpers behind suggestions: answer parsing, syntax checks, line edits, and
which code actions are offered."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from server.chat.codeblocks import match_indentation, parse_answer
from server.chat.edits import append_text, replace_lines
from server.chat.syntax import check_edit, enclosing_definition, error_count
from server.chat.tests_layout import path_for_tests
from server.lsp.features.code_actions import offered
from server.lsp.suggestion_edits import EditSupport

SOURCE = "import os\n\n\nclass A:\n    @staticmethod\n    def f(x):\n        return x\n"


def test_parse_answer_prefers_the_block_in_the_files_language():
    answer = (
        "Renamed the variable.\n\n```bash\npip install x\n```\n\n"
        "```python\ndef f(y):\n    return y\n```\nThat is all."
    )
    parsed = parse_answer(answer, "python")
    assert parsed.code == "def f(y):\n    return y"
    assert parsed.rationale.startswith("Renamed the variable.")
    assert "That is all." in parsed.rationale


def test_parse_answer_handles_cut_off_and_unfenced_answers():
    cut = parse_answer("Here it is:\n```python\ndef f():\n    return 1\n", "python")
    assert (cut.code, cut.rationale, cut.fenced) == ("def f():\n    return 1", "Here it is:", True)
    bare = parse_answer("def f():\n    return 1\n")
    assert (bare.code, bare.fenced) == ("def f():\n    return 1", False)


def test_match_indentation_restores_the_original_indent():
    original = "    def f(self):\n        return 1"
    assert match_indentation(original, "def f(self):\n    return 2") == (
        "    def f(self):\n        return 2"
    )


def test_error_count_and_check_edit_compare_before_and_after():
    assert error_count("python", "def f():\n    return 1\n") == 0
    assert error_count("python", "def f(:\n") > 0
    assert error_count("markdown", "# anything") is None
    broken = check_edit("python", SOURCE, SOURCE.replace("return x", "return (x"))
    assert not broken.ok and "does not parse" in broken.message
    # a file that already had an error may keep it
    assert check_edit("python", "x = (\n", "x = (\ny = 1\n").ok
    assert check_edit("markdown", "a", "b").checked is False


def test_enclosing_definition_includes_decorators():
    assert enclosing_definition("python", SOURCE, 6) == (4, 6)
    assert enclosing_definition("python", SOURCE, 3) == (3, 6)
    assert enclosing_definition("python", SOURCE, 0) is None


def test_replace_lines_keeps_the_line_ending_and_reports_positions():
    path = Path("/w/a.py")
    edit = replace_lines(path, "a\nb\nc\n", 1, 1, "B1\nB2\n")
    assert edit.after == "a\nB1\nB2\nc\n"
    assert (edit.change.start, edit.change.end, edit.change.new_text) == (
        (1, 0),
        (2, 0),
        "B1\nB2\n",
    )
    last = replace_lines(path, "a\nb", 1, 1, "B")
    assert (last.after, last.change.end) == ("a\nB", (1, 1))


def test_append_text_adds_after_a_blank_line():
    path = Path("/w/t.py")
    assert append_text(path, "x = 1\n", "y = 2").after == "x = 1\n\ny = 2\n"
    assert append_text(path, "x = 1\n", "y = 2").change.start == (1, 0)
    assert append_text(path, "x = 1", "y = 2").change.start == (0, 5)
    assert append_text(path, "", "y = 2").after == "y = 2"


def test_tests_go_where_each_language_keeps_them(tmp_path: Path):
    (tmp_path / "tests").mkdir()
    assert path_for_tests(tmp_path / "pkg" / "calc.py", tmp_path, "python") == (
        tmp_path / "tests" / "test_calc.py"
    )
    assert path_for_tests(tmp_path / "a.ts", tmp_path, "typescript") == tmp_path / "a.test.ts"
    assert path_for_tests(tmp_path / "a.go", tmp_path, "go") == tmp_path / "a_test.go"


def test_offered_actions_follow_the_requested_kinds_and_client_support():
    def titles(only: list[str] | None, support: EditSupport) -> list[types.CodeAction]:
        params = types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri="file:///w/a.py"),
            range=types.Range(start=types.Position(0, 0), end=types.Position(2, 0)),
            context=types.CodeActionContext(diagnostics=[], only=only),
        )
        return offered(params, 3, support)

    everything = titles(None, EditSupport(resolve_edit=True))
    assert [a.title for a in everything] == [
        "Auro: Refactor selection",
        "Auro: Explain",
        "Auro: Add docstrings",
        "Auro: Generate tests",
    ]
    assert everything[0].data["version"] == 3 and everything[0].command is None
    refactors = titles([types.CodeActionKind.Refactor], EditSupport())
    assert [a.title for a in refactors] == [
        "Auro: Refactor selection",
        "Auro: Explain",
        "Auro: Generate tests",
    ]
    assert refactors[0].command.command == "auro.applySuggestion" and refactors[0].data is None
    assert [a.title for a in titles(["source"], EditSupport())] == ["Auro: Add docstrings"]
