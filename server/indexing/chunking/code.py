"""Syntax-aware chunking of source files with tree-sitter."""

from __future__ import annotations

from dataclasses import dataclass, field

from tree_sitter import Node

from server.indexing.chunking.builder import Builder
from server.indexing.chunking.declarations import Definition
from server.indexing.chunking.definitions import DefinitionFinder
from server.indexing.chunking.registry import LanguageSpec
from server.indexing.chunking.segment import cut_costs, segment

_NOT_QUALIFYING = frozenset({"namespace"})


@dataclass
class Item:
    """Consecutive whole lines a..b holding one or more sibling nodes."""

    a: int
    b: int
    nodes: list[Node] = field(default_factory=list)
    definition: Definition | None = None
    comment: bool = False


def _rows(node: Node) -> tuple[int, int]:
    a = node.start_point.row
    end = node.end_point
    b = end.row
    if end.column == 0 and b > a:
        b -= 1
    return a, b


def broken(root: Node, lines: list[str]) -> bool:
    """Whether the parse failed badly: errors at the root level over most of the file."""
    if root.type == "ERROR":
        return True
    if not root.has_error:
        return False
    bad = 0
    for child in root.children:
        if child.type == "ERROR" or child.is_missing:
            a, b = _rows(child)
            bad += sum(1 for i in range(a, b + 1) if lines[i].strip())
    total = sum(1 for line in lines if line.strip())
    return bad * 2 > total


class CodeChunker:
    def __init__(self, spec: LanguageSpec, builder: Builder) -> None:
        self.spec = spec
        self.b = builder
        self.m = builder.m
        self.lines = builder.lines
        self.definitions = DefinitionFinder(spec)

    # entry -------------------------------------------------------------------------------

    def run(self, root: Node) -> None:
        n = len(self.lines)
        items = self._cover(self._items(root.children), 0, n - 1, insert_head=True)
        self._sequence(items, prefix="", in_class=False, misc_kind="module", misc_symbol="")

    # items -------------------------------------------------------------------------------

    def _flatten(self, nodes: list[Node]) -> list[Node]:
        transparent = self.spec.transparent
        if not transparent:
            return nodes
        out: list[Node] = []
        for node in nodes:
            if node.type in transparent:
                out.extend(self._flatten(node.children))
            else:
                out.append(node)
        return out

    def _items(self, nodes: list[Node], classify: bool = True) -> list[Item]:
        """Sibling nodes as line items: nodes sharing a line merge, leading comments attach."""
        attachable = self.spec.attachable
        items: list[Item] = []
        for node in self._flatten(nodes) if classify else nodes:
            if node.start_byte == node.end_byte:
                continue
            a, b = _rows(node)
            definition = self.definitions.classify(node) if classify else None
            comment = node.type in attachable
            if items and a <= items[-1].b:
                prev = items[-1]
                if prev.definition is None and prev.comment and definition is not None:
                    prev.definition = definition
                elif not (prev.definition is not None and definition is None and a == b):
                    prev.definition = None
                prev.b = max(prev.b, b)
                prev.nodes.append(node)
                prev.comment = prev.comment and comment
                continue
            items.append(Item(a, b, [node], definition, comment))
        if classify:  # doc comments, attributes directly above a definition belong to it
            k = len(items) - 1
            while k > 0:
                cur, prev = items[k], items[k - 1]
                if cur.definition is not None and prev.comment and prev.b + 1 >= cur.a:
                    cur.a = prev.a
                    cur.nodes[:0] = prev.nodes
                    del items[k - 1]
                k -= 1
        return items

    @staticmethod
    def _cover(items: list[Item], lo: int, hi: int, insert_head: bool) -> list[Item]:
        """Make the items cover lines lo..hi exactly (gaps go to the following item)."""
        items = [it for it in items if it.b >= lo and it.a <= hi]
        if not items:
            return [Item(lo, hi)] if lo <= hi else []
        for it in items:
            it.a = max(it.a, lo)
            it.b = min(it.b, hi)
        if items[0].a > lo:
            if insert_head:
                items.insert(0, Item(lo, items[0].a - 1))
            else:
                items[0].a = lo
        for k in range(1, len(items)):
            if items[k].a > items[k - 1].b + 1:
                items[k].a = items[k - 1].b + 1
        if items[-1].b < hi:
            items.append(Item(items[-1].b + 1, hi))
        return items

    # emission ----------------------------------------------------------------------------

    def _sequence(
        self,
        items: list[Item],
        prefix: str,
        in_class: bool,
        misc_kind: str,
        misc_symbol: str,
        context: str = "",
    ) -> None:
        """Definitions become chunks; the runs of other lines between them are packed."""
        run: list[Item] = []
        for it in items:
            if it.definition is None:
                run.append(it)
                continue
            # comments just above a definition (past a blank line) go with it if it fits,
            # or with its first part if it is split anyway
            while run and run[-1].comment and self._fits_with(run[-1].a, it, prefix, in_class):
                it.a = run.pop().a
            self._pack(run, misc_symbol, misc_kind, context)
            run = []
            self._definition(it, prefix, in_class, context)
        self._pack(run, misc_symbol, misc_kind, context)

    @staticmethod
    def _symbol_kind(d: Definition, prefix: str, in_class: bool) -> tuple[str, str]:
        name = d.name or "(anonymous)"
        symbol = f"{prefix}.{name}" if prefix else name
        if d.container or d.kind != "function":
            return symbol, d.kind
        return symbol, "method" if in_class or "." in d.name else "function"

    def _fits_with(self, a: int, it: Item, prefix: str, in_class: bool) -> bool:
        assert it.definition is not None
        symbol, kind = self._symbol_kind(it.definition, prefix, in_class)
        h = self.b.hcost(symbol, kind)
        return self.m.fits(a, it.b, h) or not self.m.fits(it.a, it.b, h)

    def _definition(self, it: Item, prefix: str, in_class: bool, context: str) -> None:
        d = it.definition
        assert d is not None
        symbol, kind = self._symbol_kind(d, prefix, in_class)
        if self.m.fits(it.a, it.b, self.b.hcost(symbol, kind)):
            self.b.add(it.a, it.b, kind, symbol)
            return
        if d.container and d.body is not None:
            if self._split_container(it, d, symbol, prefix, context):
                return
        part = "class_body" if d.container else "function_part" if d.kind == "function" else kind
        signature = self.b.signature(d.sig_row, self._body_row(d))
        # the definition's own parts, not the statement or export around it: cutting
        # between two statements of its body is free
        nodes = [n for n in it.nodes if n.type in self.spec.attachable] + d.node.children
        self._segment(it.a, it.b, nodes, symbol, part, context, signature, d.sig_row)

    def _body_row(self, d: Definition) -> int:
        """The last line of the signature: the body's first line if the body starts after
        other text on it (`int f(int a,\n      int b) {`), else the line before it."""
        if d.body is None:
            return d.sig_row
        row, column = d.body.start_point.row, d.body.start_point.column
        if row > d.sig_row and not self.lines[row][:column].strip():
            row -= 1
        return max(row, d.sig_row)

    def _split_container(
        self, it: Item, d: Definition, symbol: str, prefix: str, context: str
    ) -> bool:
        """A class too large for one chunk: a header chunk, then each member on its own."""
        assert d.body is not None
        sub = self._cover(self._items(d.body.children), it.a, it.b, insert_head=True)
        if sub[0].definition is not None:
            return False
        b, m = self.b, self.m
        label = "# members:\n"
        h0 = b.title(symbol, "class_header")[1] + m.count(label)
        defs = [s.definition for s in sub if s.definition is not None]
        outline_rows = [x.sig_row for x in defs]
        outline_cost = sum(m.tokens(r, r) for r in outline_rows)
        reserve = min(outline_cost, self.b.limit // 3)
        first = sub[0]
        j = 1
        if m.fits(first.a, first.b, h0):
            head_b = first.b
            while (
                j < len(sub)
                and sub[j].definition is None
                and m.fits(first.a, sub[j].b, h0 + reserve)
            ):
                head_b = sub[j].b
                j += 1
            # a docstring that leaves no room for the outline still belongs to its class line
            while j == 1 and j < len(sub) and sub[j].definition is None:
                if not m.fits(first.a, sub[j].b, h0):
                    break
                head_b = sub[j].b
                j += 1
            room = self.b.limit - h0 - m.tokens(first.a, head_b)
            outline = []
            for r in outline_rows:
                t = m.tokens(r, r)
                if t > room:
                    break
                room -= t
                outline.append(self.lines[r].rstrip() + "\n")
            extra = (label + "".join(outline)) if outline else ""
            if j == 1 and j < len(sub) and sub[j].definition is None:
                # a docstring over the budget on its own: header parts repeat the class line
                nodes = first.nodes + sub[j].nodes
                line = b.signature(d.sig_row, d.sig_row)
                self._segment(
                    first.a, sub[j].b, nodes, symbol, "class_header", context, line, d.sig_row
                )
                j += 1
            else:
                b.add(first.a, head_b, "class_header", symbol, extra)
        else:
            b.windows(first.a, first.b, symbol, "class_header")
        qualifies = d.kind not in _NOT_QUALIFYING
        self._sequence(
            sub[j:],
            prefix=symbol if qualifies else prefix,
            in_class=qualifies,
            misc_kind="class_body",
            misc_symbol=symbol,
            context=context + self.b.signature(d.sig_row, d.sig_row),
        )
        return True

    def _pack(self, items: list[Item], symbol: str, kind: str, context: str) -> None:
        if items:
            nodes = [n for it in items for n in it.nodes]
            self._segment(items[0].a, items[-1].b, nodes, symbol, kind, context)

    def _segment(
        self,
        a: int,
        b: int,
        nodes: list[Node],
        symbol: str,
        kind: str,
        context: str = "",
        signature: str = "",
        sig_row: int = -1,
    ) -> None:
        """Lines a..b as one chunk if they fit, else as parts cut where the syntax allows.

        Every part's embedded text repeats the enclosing definitions' first lines
        (`context`) and, unless the part holds it, the signature: a part deep in a long
        function is still embedded as part of that function."""
        builder, m = self.b, self.m
        extra = context + signature
        if context and m.count(extra) > builder.limit // 3:  # the signature alone is less
            extra, context = signature, ""
        h = builder.hcost(symbol, kind, extra)
        if m.fits(a, b, h):
            builder.add(a, b, kind, symbol, context if a <= sig_row <= b else extra)
            return
        room = builder.limit - h
        m.tokens(a, b)
        tokens = [m.exact[i] or 0 for i in range(a, b + 1)]
        blank = [not self.lines[i].strip() for i in range(a, b + 1)]
        cuts = cut_costs(nodes, a, b, self.spec.attachable)
        starts = segment(tokens, blank, cuts, room)
        ends = [s - 1 for s in starts[1:]] + [b - a]
        for s, e in zip(starts, ends, strict=True):
            lo, hi = a + s, a + e
            if lo == hi and tokens[s] > room:
                builder.cut(lo, symbol, kind, extra, h)
            else:
                builder.add(lo, hi, kind, symbol, context if lo <= sig_row <= hi else extra)
