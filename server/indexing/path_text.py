"""File names as text.

The index keeps paths as text: SQLite TEXT columns, the tokenizer's input, JSON answers and
LSP URIs. Python hands a name that is not valid UTF-8 over as a str holding lone surrogates
(PEP 383), which every one of those refuses. Such a file cannot be indexed under its real
name, and a lossy one (U+FFFD for each bad byte) would point at no file or at two, so the
scanner skips it and names it in its warnings in the printable form below.
"""

from __future__ import annotations

import os


def is_text(rel: str) -> bool:
    """True when `rel` is valid Unicode text (no surrogate-escaped bytes)."""
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown(rel: str) -> str:
    """`rel` printable: undecodable bytes as `\\xNN`, as `ls -b` would show them."""
    if is_text(rel):
        return rel
    return os.fsencode(rel).decode("utf-8", "backslashreplace")
