"""Definitions of the names a query mentions, looked up in the keyword index's symbol column.

Neither retriever promises the definition of a name the query spells out: the embedding
ranks a usage that talks about `APIRouter` as close as the class, and BM25 rewards the
parts that mention it most (issue 13: `APIRouter` returned four tails of `routing.py`,
never the class). The symbol column holds each name's parts and its joined form
(identifiers.expand), so a name normalised by query_shape.normalise is one indexed term.
"""

from __future__ import annotations

from collections.abc import Iterable

from server.indexing.catalog import Catalog, ChunkRow, _chunk_row
from server.indexing.query_shape import normalise

LIMIT = 200  # symbol-column matches read per query before keeping exact names
_COLUMNS = (
    "c.id, c.path, c.language, c.symbol, c.kind, c.start_line, c.end_line, c.text, c.embedded"
)
# Chunk kinds that hold a whole definition (or its head); a match on a qualified name's
# owner (`APIRouter` in `APIRouter.__init__`) counts only for these.
OWNER_KINDS = frozenset({"class", "class_header", "class_body", "type"})
# The kind of the unit a part belongs to: one definition is a (path, symbol, unit kind); an
# `interface Foo` and a `const Foo` of the same name are two.
_PART_OF = {"class_body": "class_header", "function_part": "function"}


def defined_name(row: ChunkRow) -> str:
    """The normalised name a chunk defines: the last part of its qualified symbol."""
    return normalise(row.symbol.rsplit(".", 1)[-1]) if row.symbol else ""


def find_definitions(catalog: Catalog, names: Iterable[str]) -> list[ChunkRow]:
    """Chunks defining one of `names` (normalised): the first chunk of each definition
    (shortest symbols first), then the definitions' other parts. A caller that keeps only a
    few still sees every definition: zod's `ZodType` has three parts in `v3/`, ten in
    `v4/classic/`, and the core `$ZodType`'s head came 18th (issue 13)."""
    wanted = sorted({n for n in names if n.isalnum()})
    if not wanted:
        return []
    match = " OR ".join(f'symbol : "{name}"' for name in wanted)
    sql = (
        f"SELECT {_COLUMNS} FROM chunks_fts JOIN chunks c ON c.rowid = chunks_fts.rowid"
        " WHERE chunks_fts MATCH ? LIMIT ?"
    )
    with catalog.db.reading() as db:
        rows = [_chunk_row(row) for row in db.execute(sql, (match, LIMIT)).fetchall()]
    keep = set(wanted)
    found = sorted(
        (r for r in rows if defined_name(r) in keep),
        key=lambda r: (len(r.symbol), r.path, r.start_line),
    )
    heads: dict[tuple[str, str, str], ChunkRow] = {}
    for r in found:
        heads.setdefault((r.path, r.symbol, _PART_OF.get(r.kind, r.kind)), r)
    chosen = set(map(id, heads.values()))
    return [*heads.values(), *(r for r in found if id(r) not in chosen)]
