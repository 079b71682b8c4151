"""What a file's code is, apart from its layout: tokens without comments, and its definitions.

The edit contracts compare these before and after an edit. Tokens are tree-sitter leaves in
a nested form (a node's type wraps its children), so moving a Python statement out of its
block changes them even though the leaves stay the same. Strings are single tokens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tree_sitter import Node

from server.chat.syntax import parser
from server.indexing.chunking.registry import spec_for

DOCSTRING_TYPES = frozenset({"string", "concatenated_string"})
NAME_TYPES = frozenset({"identifier", "field_identifier", "type_identifier", "operator_name"})


@dataclass(frozen=True)
class Token:
    text: str
    line: int  # 0-based line where it starts
    marker: bool = False  # a node's opening `type(` or closing `)`, not source text


@dataclass(frozen=True)
class Definition:
    """A function, method or class: its name, its signature (tokens up to the body), rows."""

    name: str
    signature: str  # its tokens, space-joined: layout changes do not count
    header: str  # the same as written, for messages
    start: int  # 0-based first row, decorators and export wrappers included
    end: int
    kind: str  # "function" or "container"
    parent: int | None  # index of the enclosing definition in the list, if any


def is_comment(node: Node) -> bool:
    return node.type.endswith("comment")


def is_docstring(node: Node, language: str) -> bool:
    """A Python statement that is only a string literal: a docstring, or documentation."""
    return (
        language == "python"
        and node.type == "expression_statement"
        and node.named_child_count == 1
        and node.named_children[0].type in DOCSTRING_TYPES
    )


def _text(source: bytes, node: Node) -> str:
    return source[node.start_byte : node.end_byte].decode(errors="replace")


def _tokens(node: Node, source: bytes, skip: Callable[[Node], bool]) -> list[Token]:
    """The nested token form of `node`, leaving out the nodes `skip` accepts."""
    out: list[Token] = []
    stack: list[Node | Token] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, Token):
            out.append(item)
            continue
        if skip(item):
            continue
        if item.child_count == 0 or "string" in item.type:
            out.append(Token(_text(source, item), item.start_point[0]))
            continue
        out.append(Token(f"{item.type}(", item.start_point[0], marker=True))
        pieces: list[Node | Token] = []
        position = item.start_byte
        for child in item.children:
            gap = source[position : child.start_byte].decode(errors="replace").strip()
            if gap:  # text no child covers (rare): keep it, it is code
                pieces.append(Token(gap, child.start_point[0]))
            pieces.append(child)
            position = child.end_byte
        pieces.append(Token(")", item.end_point[0], marker=True))
        stack.extend(reversed(pieces))
    return out


def code_tokens(language: str, text: str) -> list[Token] | None:
    """The code of `text` without comments and docstrings; None when there is no grammar."""
    found = parser(language)
    if found is None:
        return None
    source = text.encode()
    tree = found.parse(source)

    def skip(node: Node) -> bool:
        if is_comment(node) or is_docstring(node, language):
            return True
        # `pass` is a no-op wherever it parses; models drop it once a docstring is the body
        return language == "python" and node.type == "pass_statement"

    return _tokens(tree.root_node, source, skip)


def _name(node: Node, source: bytes, name_field: str) -> str:
    found = node.child_by_field_name(name_field)
    if found is None:  # C and C++: the name is inside the declarator chain
        declarator = node.child_by_field_name("declarator")
        for _ in range(8):
            if declarator is None or declarator.type in NAME_TYPES:
                break
            inner = declarator.child_by_field_name("declarator")
            if inner is None:
                inner = next((c for c in declarator.named_children if c.type in NAME_TYPES), None)
            declarator = inner
        found = declarator
    if found is None:
        found = node.child_by_field_name("type")  # Rust `impl T`
    return _text(source, found) if found is not None else ""


def _signature(node: Node, source: bytes) -> tuple[str, str]:
    """The definition's tokens before its body (no comments), and that text as written."""
    body = node.child_by_field_name("body")
    end = body.start_byte if body is not None else node.end_byte
    head: list[Token] = []
    for child in node.children:
        if child.start_byte >= end:
            break
        head += _tokens(child, source, is_comment)
    written = " ".join(source[node.start_byte : end].decode(errors="replace").split())
    return " ".join(t.text for t in head if not t.marker), written


def definitions(language: str, text: str) -> list[Definition] | None:
    """Every definition in document order; None when there is no grammar."""
    spec = spec_for(language)
    found = parser(language)
    if spec is None or found is None:
        return None
    source = text.encode()
    tree = found.parse(source)
    kinds = {t: "function" for t in spec.functions} | {t: "container" for t in spec.containers}
    out: list[Definition] = []
    stack: list[tuple[Node, int | None]] = [(tree.root_node, None)]
    while stack:
        node, parent = stack.pop()
        inner = parent
        if node.is_named and node.type in kinds:
            outer = node.parent if node.parent and node.parent.type in spec.wrappers else node
            signature, header = _signature(node, source)
            out.append(
                Definition(
                    name=_name(node, source, spec.name_field),
                    signature=signature,
                    header=header,
                    start=outer.start_point[0],
                    end=node.end_point[0],
                    kind=kinds[node.type],
                    parent=parent,
                )
            )
            inner = len(out) - 1
        stack.extend((child, inner) for child in reversed(node.children))
    return out


def region_items(language: str, text: str, first: int, last: int) -> list[Node] | None:
    """The outermost named nodes lying wholly on lines `first`..`last` (comments left out)."""
    found = parser(language)
    if found is None:
        return None
    tree = found.parse(text.encode())
    items: list[Node] = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.end_point[0] < first or node.start_point[0] > last:
            continue
        if node.start_point[0] >= first and node.end_point[0] <= last and node.parent is not None:
            if node.is_named and not is_comment(node):
                items.append(node)
            continue
        stack.extend(reversed(node.children))
    return items
