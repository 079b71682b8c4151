"""The record of recently edited regions: which lines an edit touched, how regions move and
merge, its bounds, and the secret rules."""

from __future__ import annotations

from server.completion.recent_edits import (
    MARGIN_LINES,
    MAX_DOCUMENTS,
    RecentEdits,
    changed_lines,
)
from tests.completion.secret_values import AWS_KEY

BASE = "\n".join(f"line {i}" for i in range(60))


def edit_line(text: str, number: int, new: str) -> str:
    lines = text.split("\n")
    lines[number] = new
    return "\n".join(lines)


def insert_lines(text: str, at: int, new: list[str]) -> str:
    lines = text.split("\n")
    return "\n".join(lines[:at] + new + lines[at:])


def test_changed_lines_finds_the_edit_and_the_line_delta():
    assert changed_lines(BASE, BASE) is None
    assert changed_lines(BASE, edit_line(BASE, 10, "line ten")) == (10, 10, 0)
    assert changed_lines(BASE, insert_lines(BASE, 20, ["a", "b"])) == (20, 22, 2)
    deleted = "\n".join(BASE.split("\n")[:30] + BASE.split("\n")[33:])
    assert changed_lines(BASE, deleted) == (30, 30, -3)


def test_a_region_is_the_edit_with_a_few_lines_around_it_most_recent_first():
    recent = RecentEdits()
    recent.opened("/w/a.py", BASE)
    assert recent.snippets() == []  # opening is not an edit
    text = edit_line(BASE, 10, "def scaled_total(values, scale):")
    recent.changed("/w/a.py", text)
    recent.opened("/w/b.py", BASE)
    recent.changed("/w/b.py", edit_line(BASE, 40, "RATE = 3"))
    newest, older = recent.snippets()
    assert (newest.label, newest.first, newest.last) == ("b.py", 40 - MARGIN_LINES, 40 + 3)
    assert "RATE = 3" in newest.text and "line 36" not in newest.text
    assert (older.path, older.label) == ("/w/a.py", "a.py")
    assert older.text.split("\n")[MARGIN_LINES] == "def scaled_total(values, scale):"


def test_regions_below_an_insertion_move_with_their_lines_and_nearby_edits_merge():
    recent = RecentEdits()
    recent.opened("/w/a.py", BASE)
    text = edit_line(BASE, 40, "total = 0")
    recent.changed("/w/a.py", text)
    text = insert_lines(text, 5, ["import math", "import os"])  # two lines above it
    recent.changed("/w/a.py", text)
    regions = {s.first + MARGIN_LINES: s.text for s in recent.snippets()}
    assert "total = 0" in regions[42] and "import math" in regions[5]
    text = edit_line(text, 43, "total += 1")  # next to the region at 42: one region
    recent.changed("/w/a.py", text)
    [merged, _] = recent.snippets()
    assert "total = 0" in merged.text and "total += 1" in merged.text


def test_whole_document_and_incremental_sync_are_the_same_here():
    """Only the new text is handed over; typing a character at a time grows one region."""
    recent = RecentEdits()
    recent.opened("/w/a.py", BASE)
    text = BASE
    for ch in "return x":
        text = edit_line(text, 12, text.split("\n")[12] + ch)
        recent.changed("/w/a.py", text)
    [snippet] = recent.snippets()
    assert "line 12return x" in snippet.text


def test_bounded_in_regions_and_documents():
    recent = RecentEdits(max_regions=3)
    recent.opened("/w/a.py", BASE)
    text = BASE
    for number in (5, 20, 35, 50):
        text = edit_line(text, number, f"edited {number}:")
        recent.changed("/w/a.py", text)
    kept = [s.text for s in recent.snippets()]
    assert len(kept) == 3 and not any("edited 5:" in t for t in kept)
    many = RecentEdits(max_regions=64)
    for index in range(MAX_DOCUMENTS + 2):
        path = f"/w/m{index}.py"
        many.opened(path, BASE)
        many.changed(path, edit_line(BASE, 1, "x = 1"))
    paths = {s.path for s in many.snippets()}
    assert len(paths) == MAX_DOCUMENTS and "/w/m0.py" not in paths
    off = RecentEdits(max_regions=0)
    off.opened("/w/a.py", BASE)
    off.changed("/w/a.py", edit_line(BASE, 1, "x = 1"))
    assert off.snippets() == []


def test_the_window_already_seen_is_skipped():
    recent = RecentEdits()
    recent.opened("/w/a.py", BASE)
    text = edit_line(BASE, 10, "seen = 1")
    recent.changed("/w/a.py", text)
    text = edit_line(text, 55, "unseen = 2")
    recent.changed("/w/a.py", text)
    [snippet] = recent.snippets(skip=("/w/a.py", 0, 40))
    assert "unseen = 2" in snippet.text


def test_credential_files_are_never_recorded_and_keyed_buffers_never_shown():
    recent = RecentEdits()
    recent.opened("/w/deploy.env", BASE)
    recent.changed("/w/deploy.env", edit_line(BASE, 3, "PASSWORD=x"))
    assert recent.snippets() == [] and recent.withheld() == 0
    recent.opened("/w/cloud.py", BASE)
    text = edit_line(BASE, 3, "def upload():")
    recent.changed("/w/cloud.py", text)
    assert len(recent.snippets()) == 1
    keyed = edit_line(text, 50, f'KEY = "{AWS_KEY}"')  # the key is far from the first edit
    recent.changed("/w/cloud.py", keyed)
    assert recent.snippets() == [] and recent.withheld() == 1
    recent.changed("/w/cloud.py", text)  # the key removed again
    assert recent.snippets() and recent.withheld() == 0


def test_a_smaller_bound_applies_at_once_and_zero_forgets_everything():
    recent = RecentEdits(max_regions=8)
    recent.opened("/w/a.py", BASE)
    text = BASE
    for number in (5, 20, 35):
        text = edit_line(text, number, f"edited {number}:")
        recent.changed("/w/a.py", text)
    recent.max_regions = 1
    [kept] = recent.snippets()
    assert "edited 35:" in kept.text
    recent.max_regions = 0
    assert recent.snippets() == []
    recent.max_regions = 8
    recent.changed("/w/a.py", edit_line(text, 50, "again"))  # a new base, not an edit
    assert recent.snippets() == []
