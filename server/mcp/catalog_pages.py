"""Reads of a root's catalog for the MCP server: indexed files a page at a time, and (from
another process) definitions by name.

A read-only connection is what the MCP server uses when another process owns the index: a
reader of SQLite's WAL never blocks that writer and never writes itself.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from server.indexing.catalog import find_symbols
from server.mcp.models import IndexedFile, SymbolHit

INDEX_DB = "index.sqlite3"


def file_page(
    db: sqlite3.Connection, root: str, after: str, limit: int, within: str = ""
) -> list[IndexedFile]:
    """Indexed files of one root in path order, the first `limit` after `after`; with
    `within` (a folder of the catalog's root, which is `root`), its files relative to it."""
    prefix = within + "/" if within else ""
    rows = db.execute(
        "SELECT path, language, size FROM files WHERE path > ? AND substr(path, 1, ?) = ?"
        " ORDER BY path LIMIT ?",
        (prefix + after, len(prefix), prefix, limit),
    ).fetchall()
    return [
        IndexedFile(root=root, path=p[len(prefix) :], language=lang, size=size)
        for p, lang, size in rows
    ]


def open_read_only(data_dir: Path) -> sqlite3.Connection:
    """A read-only connection to the catalog in `data_dir` (which another process writes)."""
    uri = (data_dir / INDEX_DB).resolve().as_uri() + "?mode=ro"
    db = sqlite3.connect(uri, uri=True, check_same_thread=False)
    db.execute("PRAGMA query_only=ON")
    return db


def symbol_hits(
    db: sqlite3.Connection, root: str, name: str, limit: int, within: str = ""
) -> list[SymbolHit]:
    """Definitions named like `name`; with `within`, only those in that folder of the
    catalog's root (which is `root`), relative to it. The catalog's query has no folder
    filter, so it is asked for more until enough are inside or there are no more."""
    if not within:
        return _hits(db, root, name, limit)
    prefix = within + "/"
    asked = limit
    while True:
        hits = _hits(db, root, name, asked)
        inside = [h for h in hits if h.path.startswith(prefix)]
        if len(inside) >= limit or len(hits) < asked:
            return [h.model_copy(update={"path": h.path[len(prefix) :]}) for h in inside[:limit]]
        asked *= 4


def _hits(db: sqlite3.Connection, root: str, name: str, limit: int) -> list[SymbolHit]:
    return [
        SymbolHit(
            name=row.symbol,
            kind=row.kind,
            root=root,
            path=row.path,
            start_line=row.start_line,
            end_line=row.end_line,
            language=row.language,
        )
        for row in find_symbols(db, name, limit)
    ]
