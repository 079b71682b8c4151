"""Which syntax nodes are definitions, and their names and signature lines."""

from __future__ import annotations

from tree_sitter import Node

from server.indexing.chunking.declarations import (
    C_DECLARATIONS,
    GENERICS,
    Definition,
    clean_name,
    node_text,
    special,
)
from server.indexing.chunking.registry import LanguageSpec

IDENTIFIERS = frozenset(
    {
        "identifier",
        "field_identifier",
        "qualified_identifier",
        "destructor_name",
        "operator_name",
        "type_identifier",
        "template_function",
        "scoped_identifier",
    }
)


class DefinitionFinder:
    """Classifies a node as a function or container definition of one language."""

    def __init__(self, spec: LanguageSpec) -> None:
        self.spec = spec
        self.kinds = spec.functions | frozenset(spec.containers)

    def classify(self, node: Node) -> Definition | None:
        spec = self.spec
        n = node
        for _ in range(4):
            t = n.type
            if t in self.kinds:
                break
            inner: Node | None = None
            if t in spec.wrappers:
                fname = spec.wrappers[t]
                inner = n.child_by_field_name(fname) if fname else None
                if inner is None:
                    inner = next(
                        (c for c in reversed(n.named_children) if c.type in self.kinds), None
                    )
                    if inner is None:
                        inner = next(
                            (c for c in n.named_children if c.type in C_DECLARATIONS), None
                        )
            elif t == "expression_statement" and n.named_child_count == 1:
                inner = n.named_children[0]
            else:
                return special(spec.name, n, self.name)
            if inner is None:
                return None
            n = inner
        else:
            return None
        if n.type in spec.functions:
            name = self.name(n)
            kind = "function"
            if spec.name == "go" and n.type == "method_declaration":
                receiver = self.receiver(n)
                if receiver:
                    name = f"{receiver}.{name}"
            return Definition(kind, False, name, n, n.child_by_field_name("body"), self.sig(n))
        kind = spec.containers[n.type]
        body = n.child_by_field_name("body")
        if body is None and spec.body_types:
            body = next((c for c in n.named_children if c.type in spec.body_types), None)
        if n.type == "impl_item":
            ty = n.child_by_field_name("type")
            name = clean_name(GENERICS.sub("", node_text(ty))) if ty is not None else "impl"
        else:
            name = self.name(n)
        if kind == "namespace" and body is None:
            return None  # file-scoped namespace or PHP `namespace X;`: a plain statement
        if spec.name in ("c", "cpp") and body is None:
            return None  # a forward declaration
        return Definition(kind, True, name, n, body, self.sig(n))

    def name(self, n: Node) -> str:
        node = n.child_by_field_name(self.spec.name_field)
        if node is None:
            d = n.child_by_field_name("declarator")
            for _ in range(8):
                if d is None or d.type in IDENTIFIERS:
                    break
                inner = d.child_by_field_name("declarator")
                if inner is None:
                    inner = next(
                        (
                            c
                            for c in d.named_children
                            if c.type in IDENTIFIERS or c.type.endswith("declarator")
                        ),
                        None,
                    )
                d = inner
            node = d
        if node is None:
            return ""
        name = node_text(node)
        if self.spec.name == "cpp" and "::" in name:
            name = GENERICS.sub("", name)  # Matrix<T>::at -> Matrix::at
        return clean_name(name)

    def sig(self, n: Node) -> int:
        node = n.child_by_field_name(self.spec.name_field) or n.child_by_field_name("declarator")
        return (node or n).start_point.row

    @staticmethod
    def receiver(n: Node) -> str:
        receiver = n.child_by_field_name("receiver")
        if receiver is None:
            return ""
        for param in receiver.named_children:
            ty = param.child_by_field_name("type")
            if ty is not None:
                return clean_name(GENERICS.sub("", node_text(ty)).lstrip("*").split("[")[0])
        return ""
