"""The caps of `read_code` and resource cursors, on values (no server needed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp.shared.exceptions import MCPError

from server.mcp.backend import FilePosition, FileText, Refused, relative_citation_path
from server.mcp.reading import MAX_CHARS, MAX_LINES, line_window
from server.mcp.resources import decode_cursor, encode_cursor


def file_of(text: str) -> FileText:
    return FileText("/ws", "a.py", "python", text)


def test_a_window_of_lines_is_exact_and_says_nothing_was_cut():
    window = line_window(file_of("one\ntwo\nthree\n"), 2, 3)
    assert (window.text, window.start_line, window.end_line) == ("two\nthree\n", 2, 3)
    assert window.total_lines == 3 and not window.truncated and window.notice is None


def test_more_lines_than_the_cap_are_cut_with_the_call_that_reads_on():
    text = "".join(f"x = {n}\n" for n in range(1000))
    window = line_window(file_of(text), 1, None)
    assert window.end_line == MAX_LINES and window.truncated
    assert f"start_line={MAX_LINES + 1}" in window.notice


def test_the_character_cap_holds_for_long_lines_and_one_minified_line():
    long_lines = ("y" * 1000 + "\n") * 100  # 100 lines, 100 100 characters
    window = line_window(file_of(long_lines), 1, 100)
    assert len(window.text) <= MAX_CHARS and window.truncated
    assert window.end_line == MAX_CHARS // 1001
    minified = line_window(file_of("z" * (MAX_CHARS * 3)), 1, None)
    assert len(minified.text) == MAX_CHARS and minified.truncated and minified.end_line == 1


def test_ranges_that_cannot_be_read_are_refused_with_the_reason():
    with pytest.raises(Refused, match="has 1 lines"):
        line_window(file_of("only\n"), 5, None)
    with pytest.raises(Refused, match="before start_line"):
        line_window(file_of("a\nb\n"), 2, 1)
    empty = line_window(file_of(""), 1, None)
    assert (empty.text, empty.total_lines, empty.truncated) == ("", 0, False)


def test_cursors_round_trip_and_garbage_is_invalid_params():
    position = FilePosition(1, "src/ä b.py")
    assert decode_cursor(encode_cursor(position), position.root + 1) == position
    for bad in ("garbage", "e30=", encode_cursor(FilePosition(-1, "x"))):
        with pytest.raises(MCPError, match="invalid cursor"):
            decode_cursor(bad, 1)


def test_citations_become_relative_to_the_innermost_root():
    roots = [Path("/ws"), Path("/ws/sub")]
    assert relative_citation_path("/ws/sub/m.py", roots) == "m.py"
    assert relative_citation_path("/ws/a.py", roots) == "a.py"
    assert relative_citation_path("/elsewhere/b.py", roots) == "/elsewhere/b.py"
