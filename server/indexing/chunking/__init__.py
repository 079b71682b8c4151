"""Syntax-aware chunking: files -> Chunks that each fit the embedding model's window.

    detect_language(path)                       -> language name, "text" or None
    chunk_file(path, text, budget=, count_tokens=) -> list[Chunk]
    TokenCounter(model_path=None)               -> callable counting model wordpieces

Code is split along its syntax tree (tree-sitter grammars from the installed wheels):
a definition that fits is one chunk; a larger class gives a "class_header" chunk and its
members; a larger function gives "function_part" chunks split at statements; the small
pieces between definitions merge into "module" chunks. Markdown is split by headings
("section"), other text by line windows ("lines"). Every chunk's embed_text (header
included) counts at most `budget - 2` tokens, leaving room for [CLS] and [SEP].
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from server.indexing.chunk import Chunk
from server.indexing.chunking.builder import Builder
from server.indexing.chunking.code import CodeChunker, broken
from server.indexing.chunking.languages import detect_language
from server.indexing.chunking.measure import Measure
from server.indexing.chunking.registry import parser_for, spec_for
from server.indexing.chunking.text import markdown_spans, text_spans
from server.indexing.chunking.tokens import TokenCounter

__all__ = [
    "Chunk",
    "TokenCounter",
    "chunk_file",
    "chunker_fingerprint",
    "detect_language",
    "SPECIAL_TOKENS",
]

log = logging.getLogger(__name__)

SPECIAL_TOKENS = 2  # [CLS] and [SEP], added by the model around every input
# Bump when the same file would chunk differently: an index made by another version (or
# with another budget) re-chunks every file on its next full scan. 2: parts cut together
# with the signature repeated, named top-level declarations.
CHUNKER_VERSION = 2
_MIN_LIMIT = 16

_CPP_HINTS = ("class ", "namespace ", "template<", "template <", "public:", "std::", "::")


def _grammar_language(path: str, language: str, text: str) -> str:
    """The grammar to parse with: a C header that is really C++ gets the C++ grammar."""
    if language == "c" and path.lower().endswith(".h") and any(h in text for h in _CPP_HINTS):
        return "cpp"
    return language


def chunker_fingerprint(budget: int) -> str:
    """What decides a file's chunks besides its content (stored with an index)."""
    return f"v{CHUNKER_VERSION} budget={budget}"


def chunk_file(
    path: str, text: str, *, budget: int, count_tokens: Callable[[str], int]
) -> list[Chunk]:
    """Split one file into chunks whose embed_text stays within `budget` model tokens."""
    limit = budget - SPECIAL_TOKENS
    if limit < _MIN_LIMIT:
        raise ValueError(f"chunk budget {budget} is too small (minimum {_MIN_LIMIT + 2})")
    language = detect_language(path) or "text"
    lines = text.split("\n")
    if not any(line.strip() for line in lines):
        return []
    measure = Measure(lines, count_tokens, limit)
    builder = Builder(path, language, lines, measure)
    if language == "markdown":
        markdown_spans(builder)
    else:
        grammar = _grammar_language(path, language, text)
        spec = spec_for(grammar)
        if spec is None:
            text_spans(builder)
        else:
            tree = parser_for(grammar).parse(text.encode("utf-8", errors="surrogatepass"))
            if broken(tree.root_node, lines):
                text_spans(builder)
            else:
                try:
                    CodeChunker(spec, builder).run(tree.root_node)
                except RecursionError:  # absurdly deep nesting (generated code)
                    log.warning("%s: syntax too deeply nested; chunked by lines", path)
                    builder.spans.clear()
                    text_spans(builder)
    verify = not getattr(count_tokens, "line_additive", False)
    return builder.finish(verify)
