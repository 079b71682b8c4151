"""Grammar registry: language -> tree-sitter grammar and the node types the chunker needs.

Grammars come from the per-language wheels (no download); a Parser per language is built
once and cached per thread (tree-sitter parsers are not safe to share across threads).
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from tree_sitter import Language, Parser


@dataclass(frozen=True)
class LanguageSpec:
    """How to find definitions in one grammar's trees."""

    name: str
    loader: Callable[[], Any]  # returns the grammar's language pointer
    functions: frozenset[str]  # function and method definitions
    containers: dict[str, str]  # node type -> chunk kind ("class", "impl", "namespace", ...)
    wrappers: dict[str, str] = field(default_factory=dict)  # type -> field ("" = any child)
    transparent: frozenset[str] = frozenset()  # groupings whose children are top-level items
    attachable: frozenset[str] = frozenset()  # comments/attributes that stick to the next def
    name_field: str = "name"
    body_types: frozenset[str] = frozenset()  # fallback body node types when no body field


def _grammar(module: str, attr: str = "language") -> Callable[[], Any]:
    def load() -> Any:
        return getattr(importlib.import_module(module), attr)()

    return load


_C_COMMENTS = frozenset({"comment"})
_JS_FUNCTIONS = frozenset(
    {
        "function_declaration",
        "generator_function_declaration",
        "method_definition",
        "function_signature",
        "method_signature",
        "abstract_method_signature",
    }
)
_JS_CONTAINERS = {
    "class_declaration": "class",
    "abstract_class_declaration": "class",
    "class": "class",
    "interface_declaration": "interface",
    "internal_module": "namespace",
    "module": "namespace",
    "enum_declaration": "enum",
}
_JS_WRAPPERS = {"export_statement": "declaration", "ambient_declaration": ""}
_JS_BODIES = frozenset({"class_body", "interface_body", "object_type", "statement_block"})

SPECS: dict[str, LanguageSpec] = {
    "python": LanguageSpec(
        "python",
        _grammar("tree_sitter_python"),
        functions=frozenset({"function_definition"}),
        containers={"class_definition": "class"},
        wrappers={"decorated_definition": "definition"},
        attachable=_C_COMMENTS,
    ),
    "javascript": LanguageSpec(
        "javascript",
        _grammar("tree_sitter_javascript"),
        functions=_JS_FUNCTIONS,
        containers=_JS_CONTAINERS,
        wrappers=_JS_WRAPPERS,
        attachable=_C_COMMENTS,
        body_types=_JS_BODIES,
    ),
    "typescript": LanguageSpec(
        "typescript",
        _grammar("tree_sitter_typescript", "language_typescript"),
        functions=_JS_FUNCTIONS,
        containers=_JS_CONTAINERS,
        wrappers=_JS_WRAPPERS,
        attachable=_C_COMMENTS,
        body_types=_JS_BODIES,
    ),
    "tsx": LanguageSpec(
        "tsx",
        _grammar("tree_sitter_typescript", "language_tsx"),
        functions=_JS_FUNCTIONS,
        containers=_JS_CONTAINERS,
        wrappers=_JS_WRAPPERS,
        attachable=_C_COMMENTS,
        body_types=_JS_BODIES,
    ),
    "go": LanguageSpec(
        "go",
        _grammar("tree_sitter_go"),
        functions=frozenset({"function_declaration", "method_declaration"}),
        containers={},
        attachable=_C_COMMENTS,
    ),
    "rust": LanguageSpec(
        "rust",
        _grammar("tree_sitter_rust"),
        functions=frozenset({"function_item", "function_signature_item"}),
        containers={
            "impl_item": "impl",
            "trait_item": "trait",
            "mod_item": "namespace",
            "struct_item": "struct",
            "enum_item": "enum",
            "union_item": "struct",
        },
        attachable=frozenset({"line_comment", "block_comment", "attribute_item"}),
    ),
    "java": LanguageSpec(
        "java",
        _grammar("tree_sitter_java"),
        functions=frozenset(
            {"method_declaration", "constructor_declaration", "compact_constructor_declaration"}
        ),
        containers={
            "class_declaration": "class",
            "interface_declaration": "interface",
            "enum_declaration": "enum",
            "record_declaration": "class",
            "annotation_type_declaration": "interface",
        },
        attachable=frozenset({"line_comment", "block_comment"}),
    ),
    "c": LanguageSpec(
        "c",
        _grammar("tree_sitter_c"),
        functions=frozenset({"function_definition"}),
        containers={
            "struct_specifier": "struct",
            "union_specifier": "struct",
            "enum_specifier": "enum",
        },
        transparent=frozenset(
            {"preproc_if", "preproc_ifdef", "preproc_else", "preproc_elif", "preproc_elifdef"}
        ),
        attachable=_C_COMMENTS,
    ),
    "cpp": LanguageSpec(
        "cpp",
        _grammar("tree_sitter_cpp"),
        functions=frozenset({"function_definition"}),
        containers={
            "class_specifier": "class",
            "struct_specifier": "struct",
            "union_specifier": "struct",
            "enum_specifier": "enum",
            "namespace_definition": "namespace",
        },
        wrappers={"template_declaration": ""},
        transparent=frozenset(
            {
                "preproc_if",
                "preproc_ifdef",
                "preproc_else",
                "preproc_elif",
                "preproc_elifdef",
                "linkage_specification",
                "declaration_list",
            }
        ),
        attachable=_C_COMMENTS,
    ),
    "csharp": LanguageSpec(
        "csharp",
        _grammar("tree_sitter_c_sharp"),
        functions=frozenset(
            {
                "method_declaration",
                "constructor_declaration",
                "destructor_declaration",
                "operator_declaration",
                "conversion_operator_declaration",
                "local_function_statement",
            }
        ),
        containers={
            "class_declaration": "class",
            "struct_declaration": "struct",
            "interface_declaration": "interface",
            "record_declaration": "class",
            "record_struct_declaration": "struct",
            "enum_declaration": "enum",
            "namespace_declaration": "namespace",
        },
        attachable=_C_COMMENTS,
    ),
    "ruby": LanguageSpec(
        "ruby",
        _grammar("tree_sitter_ruby"),
        functions=frozenset({"method", "singleton_method"}),
        containers={"class": "class", "module": "class", "singleton_class": "class"},
        attachable=_C_COMMENTS,
    ),
    "php": LanguageSpec(
        "php",
        _grammar("tree_sitter_php", "language_php"),
        functions=frozenset({"function_definition", "method_declaration"}),
        containers={
            "class_declaration": "class",
            "interface_declaration": "interface",
            "trait_declaration": "trait",
            "enum_declaration": "enum",
            "namespace_definition": "namespace",
        },
        attachable=_C_COMMENTS,
    ),
    "bash": LanguageSpec(
        "bash",
        _grammar("tree_sitter_bash"),
        functions=frozenset({"function_definition"}),
        containers={},
        attachable=_C_COMMENTS,
    ),
}


def spec_for(language: str) -> LanguageSpec | None:
    return SPECS.get(language)


@cache
def grammar(language: str) -> Language:
    spec = SPECS[language]
    return Language(spec.loader())


_local = threading.local()


def parser_for(language: str) -> Parser:
    """A cached Parser for the language (one per thread)."""
    parsers: dict[str, Parser] | None = getattr(_local, "parsers", None)
    if parsers is None:
        parsers = _local.parsers = {}
    parser = parsers.get(language)
    if parser is None:
        parser = parsers[language] = Parser(grammar(language))
    return parser
