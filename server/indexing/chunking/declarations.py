"""Definitions that node types alone do not reveal: JS functions held in variables, Go and C
records, and the top-level declarations a developer searches by name (type aliases,
typedefs, macros, constants, module-level assignments).

Type-like declarations are always named chunks, however short: a query naming
`inferProcedureInput` must land on its `type` alias. Value declarations (constants and
assignments) become named chunks only when they span several lines (a config dict, a
router object); one-liners such as `log = getLogger(__name__)` stay in the unnamed module
chunk around them, so a file of forty constants does not become forty chunks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from tree_sitter import Node

_FUNCTION_VALUES = frozenset(
    {"arrow_function", "function_expression", "function", "generator_function"}
)
_CLASS_VALUES = frozenset({"class"})
_JS = frozenset({"javascript", "typescript", "tsx"})
C_DECLARATIONS = frozenset({"declaration", "field_declaration", "type_definition"})
_C_RECORDS = frozenset({"struct_specifier", "union_specifier", "class_specifier", "enum_specifier"})
_SPACES = re.compile(r"\s+")
GENERICS = re.compile(r"<.*>")

# node type -> chunk kind, per language: named whatever their size
_TYPES: dict[str, dict[str, str]] = {
    "python": {"type_alias_statement": "type"},
    "typescript": {"type_alias_declaration": "type"},
    "tsx": {"type_alias_declaration": "type"},
    "rust": {"type_item": "type", "macro_definition": "macro"},
    "c": {"type_definition": "type", "preproc_function_def": "macro"},
    "cpp": {
        "type_definition": "type",
        "alias_declaration": "type",
        "preproc_function_def": "macro",
    },
    "csharp": {"delegate_declaration": "type"},
}
# node type -> chunk kind, per language: named when they span several lines
_VALUES: dict[str, dict[str, str]] = {
    "python": {"assignment": "variable"},
    "go": {"const_declaration": "const", "var_declaration": "variable"},
    "rust": {"const_item": "const", "static_item": "const"},
    "c": {"declaration": "variable", "preproc_def": "macro"},
    "cpp": {"declaration": "variable", "preproc_def": "macro"},
    "ruby": {"assignment": "const"},
    "php": {"const_declaration": "const"},
    "bash": {"variable_assignment": "variable"},
}


@dataclass
class Definition:
    # "function", a container kind ("class", "impl", "namespace", ...) or a declaration kind
    # ("type", "const", "variable", "macro")
    kind: str
    container: bool
    name: str
    node: Node
    body: Node | None
    sig_row: int


def node_text(node: Node) -> str:
    raw = node.text or b""
    return raw.decode("utf-8", errors="replace")


def clean_name(name: str) -> str:
    name = _SPACES.sub(" ", name).strip().replace("::", ".")
    return name[:120]


def special(language: str, n: Node, name_of: Callable[[Node], str]) -> Definition | None:
    """The definition node `n` holds, if any (`name_of` reads a declarator chain's name)."""
    t = n.type
    if t in ("lexical_declaration", "variable_declaration") and language in _JS:
        return _js_variable(n)
    if t == "assignment_expression" and language in _JS:
        return _js_assignment(n)
    if t == "type_declaration" and language == "go":
        specs = [c for c in n.named_children if c.type in ("type_spec", "type_alias")]
        if len(specs) != 1:
            return None
        name_node = specs[0].child_by_field_name("name")
        name = clean_name(node_text(name_node)) if name_node is not None else ""
        return Definition("type", True, name, n, None, n.start_point.row)
    if t in C_DECLARATIONS and language in ("c", "cpp"):
        record = _c_record(n)
        if record is not None:
            return record
    kind = _TYPES.get(language, {}).get(t)
    if kind is not None:
        name = _declared_name(language, n, name_of)
        return Definition(kind, False, name, n, None, n.start_point.row) if name else None
    kind = _VALUES.get(language, {}).get(t)
    if kind is not None and n.end_point.row > n.start_point.row:
        name = _value_name(language, n, name_of)
        if name and not (name.startswith("__") and name.endswith("__")):
            if language == "python" and name.isupper():
                kind = "const"
            return Definition(kind, False, name, n, None, n.start_point.row)
    return None


def _js_variable(n: Node) -> Definition | None:
    declarators = [c for c in n.named_children if c.type == "variable_declarator"]
    if len(declarators) != 1:
        return None
    value = declarators[0].child_by_field_name("value")
    name_node = declarators[0].child_by_field_name("name")
    if value is None or name_node is None or name_node.type != "identifier":
        return None
    name = clean_name(node_text(name_node))
    sig = name_node.start_point.row
    if value.type in _FUNCTION_VALUES:
        return Definition("function", False, name, value, value.child_by_field_name("body"), sig)
    if value.type in _CLASS_VALUES:
        return Definition("class", True, name, value, value.child_by_field_name("body"), sig)
    if n.end_point.row == n.start_point.row:
        return None
    first = n.children[0].type if n.children else ""
    return Definition("const" if first == "const" else "variable", False, name, n, None, sig)


def _js_assignment(n: Node) -> Definition | None:
    """`res.send = function send(body) {...}`, `Router.prototype.route = ...`: the methods
    of pre-class JavaScript, named by what they are assigned to."""
    left, value = n.child_by_field_name("left"), n.child_by_field_name("right")
    if left is None or value is None or left.type not in ("member_expression", "identifier"):
        return None
    while value is not None and value.type == "assignment_expression":  # a = b = function
        value = value.child_by_field_name("right")
    if value is None:
        return None
    name = clean_name(node_text(left).replace(".prototype.", "."))
    if name in ("module.exports", "exports"):
        own = value.child_by_field_name("name")
        name = clean_name(node_text(own)) if own is not None else name
    sig = n.start_point.row
    if value.type in _FUNCTION_VALUES:
        return Definition("function", False, name, value, value.child_by_field_name("body"), sig)
    if value.type in _CLASS_VALUES:
        return Definition("class", True, name, value, value.child_by_field_name("body"), sig)
    if n.end_point.row == n.start_point.row:
        return None
    return Definition("variable", False, name, n, None, sig)


def _c_record(n: Node) -> Definition | None:
    ty = n.child_by_field_name("type")
    if ty is None or ty.type not in _C_RECORDS:
        return None
    body = ty.child_by_field_name("body")
    if body is None:
        return None
    name_node = ty.child_by_field_name("name")
    if name_node is None:  # typedef struct { ... } Name;
        name_node = n.child_by_field_name("declarator")
    name = clean_name(node_text(name_node)) if name_node is not None else ""
    kind = "class" if ty.type == "class_specifier" else "struct"
    if ty.type == "enum_specifier":
        kind = "enum"
    return Definition(kind, True, name, ty, body, ty.start_point.row)


def _declared_name(language: str, n: Node, name_of: Callable[[Node], str]) -> str:
    if n.type == "type_alias_statement":  # Python 3.12 `type X = ...`: left is (type (identifier))
        left = n.child_by_field_name("left")
        return clean_name(GENERICS.sub("", node_text(left))) if left is not None else ""
    if n.type == "type_definition":  # typedef ... Name;  the name ends the declarator chain
        return name_of(n)
    name = n.child_by_field_name("name")
    return clean_name(node_text(name)) if name is not None else ""


def _value_name(language: str, n: Node, name_of: Callable[[Node], str]) -> str:
    """The one name a value declaration binds, or "" (several names, or not a plain name)."""
    if language in ("python", "ruby"):
        left = n.child_by_field_name("left")
        wanted = "identifier" if language == "python" else "constant"
        return node_text(left) if left is not None and left.type == wanted else ""
    if language == "go":
        specs = [c for c in n.named_children if c.type in ("const_spec", "var_spec")]
        if len(specs) != 1:
            return ""
        names = [c for c in specs[0].children_by_field_name("name")]
        return node_text(names[0]) if len(names) == 1 else ""
    if language in ("c", "cpp"):
        declarators = n.children_by_field_name("declarator")
        if len(declarators) != 1 or declarators[0].type != "init_declarator":
            return ""  # prototypes and plain declarations stay in the module chunk
        return name_of(n)
    if language == "php":
        elements = [c for c in n.named_children if c.type == "const_element"]
        if len(elements) != 1:
            return ""
        name = next((c for c in elements[0].named_children if c.type == "name"), None)
        return node_text(name) if name is not None else ""
    name = n.child_by_field_name("name")
    return clean_name(node_text(name)) if name is not None else ""
