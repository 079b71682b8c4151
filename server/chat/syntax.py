"""Syntax checks for suggested edits: an edit may not add parse errors to a file.

Counts tree-sitter ERROR and MISSING nodes before and after the edit; files that already had
errors may keep them, but a suggestion that adds one is refused. Also finds the definition
around a cursor, so an action on an empty selection works on the function it is in.
"""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node, Parser

from server.indexing.chunking.registry import parser_for, spec_for


def parser(language: str) -> Parser | None:
    """The shared tree-sitter parser for `language`, or None when it has no grammar."""
    return parser_for(language) if spec_for(language) is not None else None


def error_count(language: str, text: str) -> int | None:
    """ERROR and MISSING nodes in `text`; None when the language cannot be parsed."""
    found = parser(language)
    if found is None:
        return None
    tree = found.parse(text.encode())
    if not tree.root_node.has_error:
        return 0
    count = 0
    cursor = tree.walk()
    visited_children = False
    while True:
        node = cursor.node
        if not visited_children:
            if node is not None and (node.is_error or node.is_missing):
                count += 1
            if cursor.goto_first_child():
                continue
        if cursor.goto_next_sibling():
            visited_children = False
            continue
        if not cursor.goto_parent():
            return count
        visited_children = True


@dataclass(frozen=True)
class SyntaxVerdict:
    ok: bool
    checked: bool
    before: int = 0
    after: int = 0

    @property
    def message(self) -> str:
        if not self.checked:
            return "not syntax-checked (no parser for this language)"
        if self.ok:
            return f"no new syntax errors ({self.after} after the edit, {self.before} before)"
        return (
            f"the suggested code does not parse: {self.after - self.before} new syntax "
            f"error(s) ({self.before} before, {self.after} after)"
        )


def check_edit(language: str, before: str, after: str) -> SyntaxVerdict:
    """Accept `after` unless it has more parse errors than `before`."""
    old = error_count(language, before)
    new = error_count(language, after)
    if old is None or new is None:
        return SyntaxVerdict(ok=True, checked=False)
    return SyntaxVerdict(ok=new <= old, checked=True, before=old, after=new)


def enclosing_definition(language: str, text: str, line: int) -> tuple[int, int] | None:
    """The 0-based (first, last) lines of the innermost definition containing `line`."""
    spec = spec_for(language)
    lines = text.splitlines()
    if spec is None or not 0 <= line < len(lines):
        return None
    definitions = spec.functions | spec.containers.keys()
    tree = parser_for(language).parse(text.encode())
    column = len(lines[line]) - len(lines[line].lstrip())
    node: Node | None = tree.root_node.descendant_for_point_range((line, column), (line, column))
    while node is not None:
        if node.type in definitions:
            # decorators and export wrappers belong to what they wrap
            outer = node.parent if node.parent and node.parent.type in spec.wrappers else node
            return outer.start_point[0], outer.end_point[0]
        node = node.parent
    return None
