"""The single/multi-line decision and the trimming of what the model returned."""

from __future__ import annotations

import pytest

from server.completion.cache import Cached, PrefixCache
from server.completion.context import query_near_cursor
from server.completion.shape import trim_completion, wants_multiline


@pytest.mark.parametrize(
    ("prefix", "suffix"),
    [
        ("def area(r):\n    ", "\n"),  # a new block after `:`
        ("function f() {\n  ", "\n}\n"),  # an empty body between braces
        ("if (x) {\n", "\n}"),
        ("items = [\n    ", "\n]"),
    ],
)
def test_multiline_where_a_block_opens_or_a_body_is_empty(prefix: str, suffix: str):
    assert wants_multiline(prefix, suffix)


@pytest.mark.parametrize(
    ("prefix", "suffix"),
    [
        ("x = compute(", ")\n"),  # text follows the cursor on its line
        ("def area(r):\n    return ", "\n"),  # mid-statement
        ("a = 1\n", "\nb = 2\n"),  # a blank line between statements
        ("", ""),
    ],
)
def test_one_line_elsewhere(prefix: str, suffix: str):
    assert not wants_multiline(prefix, suffix)


def test_single_line_keeps_the_first_line_only():
    assert trim_completion("total = a + b\nprint(total)", "\n", False, 8) == "total = a + b"


def test_closing_text_already_after_the_cursor_is_not_repeated():
    assert trim_completion("radius, height)", ")\n", False, 8) == "radius, height"
    assert trim_completion("x) + 1", ") + 1\n", False, 8) == "x"


def test_other_text_after_the_cursor_is_left_alone():
    assert trim_completion("value", "bar\n", False, 8) == "value"


def test_multiline_is_capped_and_loses_trailing_blank_lines():
    text = "a = 1\nb = 2\nc = 3\n\n\n"
    assert trim_completion(text, "\n", True, 8) == "a = 1\nb = 2\nc = 3"
    assert trim_completion(text, "\n", True, 2) == "a = 1\nb = 2"


def test_multiline_drops_lines_that_repeat_the_code_below():
    suffix = "\n}\nconsole.log(1)\n"
    assert trim_completion("return a + b;\n}", suffix, True, 8) == "return a + b;"


def test_whitespace_only_is_no_suggestion():
    assert trim_completion("   \n  ", "\n", True, 8) == ""


def test_cache_serves_the_rest_while_typing_through_and_forgets_on_divergence():
    cache = PrefixCache()
    cache.store("f.py", Cached("x = ", "\n", "compute(1)", False))
    hit = cache.lookup("f.py", "x = comp", "\n")
    assert hit is not None and hit.text == "ute(1)"
    assert cache.lookup("f.py", "x = cx", "\n") is None  # typed something else
    assert cache.lookup("f.py", "x = comp", ")\n") is None  # the text after the cursor changed
    assert cache.lookup("g.py", "x = comp", "\n") is None
    assert cache.lookup("f.py", "x = compute(1)", "\n") is None  # fully typed: nothing left


def test_query_names_the_enclosing_definition_and_nearby_identifiers():
    prefix = "def shipping_cost(order):\n    weight = order.total_weight()\n    rate = "
    query = query_near_cursor(prefix, "\n    return rate\n").split()
    assert query[0] == "shipping_cost"
    assert {"weight", "total_weight", "order", "rate"} <= set(query)
    assert "def" not in query and "return" not in query
