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

from collections.abc import Iterable

from tree_sitter import Node

FRAGMENT_LINES = 3  # a part with at most this many non-blank lines is a fragment
_PART = 4.0  # every part: prefer fewer parts
_CROSSING = 2.0  # per syntax node a cut passes through
_FRAGMENT = 40.0
_SLIVER = 8.0  # scaled by how far a part falls short of a third of the room

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
            diff[nb - a] += 1
            diff[nb - a + 1] -= 1
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
    n = len(tokens)
    prefix = [0] * (n + 1)
    filled = [0] * (n + 1)
    for i in range(n):
        prefix[i + 1] = prefix[i] + tokens[i]
        filled[i + 1] = filled[i] + (0 if blank[i] else 1)
    third = max(room / 3, 1.0)
    best = [0.0] + [float("inf")] * n
    start = [0] * (n + 1)
    for j in range(1, n + 1):  # the part ends at line j - 1
        i = j - 1
        while i >= 0:
            size = prefix[j] - prefix[i]
            if i < j - 1 and (size > room or tokens[i] > room):
                break
            cost = best[i] + _PART + (cuts[i - 1] if i > 0 else 0.0)
            if filled[j] - filled[i] <= FRAGMENT_LINES:
                cost += _FRAGMENT
            if size < third:
                cost += _SLIVER * (1 - size / third)
            if cost < best[j]:
                best[j], start[j] = cost, i
            if tokens[j - 1] > room:
                break
            i -= 1
    starts: list[int] = []
    j = n
    while j > 0:
        starts.append(start[j])
        j = start[j]
    return starts[::-1]
