"""Where to cut a unit too large for one chunk.

Greedy packing cut wherever a part filled up, so the last part of a function was often
its `return func` line, and a `for` header sat alone above its split body. Here the cuts
are chosen together (dynamic programming over line boundaries): each part fits the room,
a cut costs more the more syntax nodes it crosses (between two statements of the body is
free, inside a call's arguments is not), and a part of 3 lines or fewer, or of a sliver of
the room, costs much more than one extra cut. Lines over the room are parts on their own
(the builder cuts them).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from tree_sitter import Node

FRAGMENT_LINES = 3  # a part with at most this many non-blank lines is a fragment
_PART = 4.0  # every part: prefer fewer parts
_CROSSING = 2.0  # per syntax node a cut passes through
_ATTACHED = 3  # crossings a cut between a comment and what it documents counts as
_FRAGMENT = 40.0
_SLIVER = 8.0  # scaled by how far a part falls short of a third of the room
_SMALL_STARTS = 10  # small parts priced one by one, nearest first

# Nodes that only hold statements: cutting between their children is cutting between
# statements, which costs nothing extra.
BLOCKS = frozenset(
    {
        "block",
        "statement_block",
        "compound_statement",
        "body_statement",
        "declaration_list",
        "field_declaration_list",
        "class_body",
        "interface_body",
        "enum_body",
        "object_type",
        "constructor_body",
        "switch_body",
        "switch_block",
        "enumerator_list",
        "enum_variant_list",
        "program",
        "module",
        "source_file",
        "translation_unit",
        "do_group",
        "then",
        "else",
    }
)


def cut_costs(nodes: Iterable[Node], a: int, b: int, attachable: frozenset[str]) -> list[float]:
    """cost[r - a]: the price of a cut between lines r and r + 1, for r in a..b-1."""
    diff = [0.0] * (b - a + 2)
    stack = list(nodes)
    while stack:
        node = stack.pop()
        na, nb = node.start_point.row, node.end_point.row
        if node.end_point.column == 0 and nb > na:
            nb -= 1
        if node.type in attachable and a <= nb < b:  # a comment belongs to what follows
            after = node.next_sibling
            until = min(max(after.start_point.row, nb + 1) if after else nb + 1, b)
            diff[nb - a] += _ATTACHED
            diff[until - a] -= _ATTACHED
        if nb <= na or nb < a or na > b:
            continue
        stack.extend(node.children)
        if (na <= a and nb >= b) or not node.is_named or node.type in BLOCKS:
            continue
        lo, hi = max(na, a), min(nb, b)
        diff[lo - a] += 1
        diff[hi - a] -= 1
    out: list[float] = []
    level = 0.0
    for r in range(b - a):
        level += diff[r]
        out.append(level * _CROSSING)
    return out


def segment(tokens: list[int], blank: list[bool], cuts: list[float], room: int) -> list[int]:
    """Start offsets of the parts of a line sequence (tokens[i] is line i's cost)."""
    starts: list[int] = []
    lo = 0
    for i, t in enumerate(tokens):  # a line over the room is a part on its own
        if t > room:
            if lo < i:
                starts += _segment(tokens, blank, cuts, room, lo, i)
            starts.append(i)
            lo = i + 1
    if lo < len(tokens):
        starts += _segment(tokens, blank, cuts, room, lo, len(tokens))
    return starts


def _segment(
    tokens: list[int], blank: list[bool], cuts: list[float], room: int, lo: int, hi: int
) -> list[int]:
    """Best cuts of lines lo..hi-1, all within the room.

    A part that is neither a fragment nor a sliver costs the same whatever its end, so the
    best such start for each end is a sliding-window minimum (a monotonic deque); only the
    nearest starts that would make a small part are priced one by one: linear in the lines,
    even for a file of a hundred thousand one-token lines.
    """
    n = hi - lo
    prefix = [0] * (n + 1)
    filled = [0] * (n + 1)
    for k in range(n):
        prefix[k + 1] = prefix[k] + tokens[lo + k]
        filled[k + 1] = filled[k] + (0 if blank[lo + k] else 1)
    third = max(room / 3, 1.0)
    best = [0.0] + [float("inf")] * n
    start = [0] * (n + 1)
    value = [0.0] * (n + 1)  # best[i] plus the price of cutting before line i
    window: deque[int] = deque()  # starts of full-size parts, by increasing value
    first = 0  # the earliest start whose part fits the room
    added = 0  # starts 0..added-1 have been offered to the window
    for j in range(1, n + 1):  # the part ends at line j - 1
        while prefix[j] - prefix[first] > room:
            first += 1
        while added < j and prefix[j] - prefix[added] >= third:
            if filled[j] - filled[added] <= FRAGMENT_LINES:
                break
            while window and value[window[-1]] >= value[added]:
                window.pop()
            window.append(added)
            added += 1
        while window and window[0] < first:
            window.popleft()
        if window:
            best[j], start[j] = value[window[0]] + _PART, window[0]
        # starts of a small part (the nearest few: only one-token lines have more)
        for i in range(max(added, first, j - _SMALL_STARTS), j):
            size = prefix[j] - prefix[i]
            cost = value[i] + _PART
            if filled[j] - filled[i] <= FRAGMENT_LINES:
                cost += _FRAGMENT
            if size < third:
                cost += _SLIVER * (1 - size / third)
            if cost < best[j]:
                best[j], start[j] = cost, i
        value[j] = best[j] + (cuts[lo + j - 1] if j < n else 0.0)
    out: list[int] = []
    j = n
    while j > 0:
        out.append(lo + start[j])
        j = start[j]
    return out[::-1]
