"""The catalog's side of the embedding pipeline: which chunks still need vectors, the vector
caches (chunk vectors by content hash, name-view vectors by name) and the intent log that
brackets every vector-store write.

`Catalog` holds one as `catalog.vectors`; its methods run on the catalog's connection, one
transaction each, keep the invariants stated in `catalog.py`, and state what they change in
the embedded counts (`catalog_db.py`).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from server.indexing.catalog_db import CatalogDatabase, Counts, Transaction
from server.indexing.identifiers import name_text


@dataclass(frozen=True)
class PendingChunk:
    """A chunk waiting for its vector."""

    id: str
    path: str
    embed_text: str
    content_hash: str
    metadata: dict[str, str | int]


def _pack(vector: Sequence[float]) -> bytes:
    return array("f", vector).tobytes()


def _unpack(blob: bytes) -> list[float]:
    values = array("f")
    values.frombytes(blob)
    return values.tolist()


class VectorBookkeeping:
    """Pending chunks, cached vectors and intents of one catalog database."""

    def __init__(self, db: CatalogDatabase) -> None:
        self._db = db

    def forget_vectors(self) -> None:
        """The embedding model changed: every vector (cached or stored) is void."""
        with self._db.transaction() as tx:
            tx.execute("DELETE FROM vectors")
            tx.execute("DELETE FROM name_vectors")
            unset = tx.execute("UPDATE chunks SET embedded = 0 WHERE embedded = 1").rowcount
            files = tx.execute(
                "UPDATE files SET state = 'keyword' WHERE state = 'embedded'"
            ).rowcount
            tx.count(Counts(files_embedded=-files, chunks_embedded=-unset))

    def pending(
        self, limit: int, exclude: set[str], first: Sequence[str] = ()
    ) -> list[PendingChunk]:
        """Chunks without vectors: those of files in `first` alone when there are any (a
        small batch that is done quickly), else those of the most recently modified files."""
        select = (
            "SELECT c.id, c.path, c.embed_text, c.content_hash, c.language, c.symbol,"
            " c.kind, c.start_line, c.end_line FROM chunks c"
        )
        with self._db.reading() as db:
            rows: list[tuple] = []
            if first:
                marks = ",".join("?" * len(first))
                rows = db.execute(
                    f"{select} WHERE c.embedded = 0 AND c.path IN ({marks})"
                    " ORDER BY c.path, c.start_line LIMIT ?",
                    (*first, limit + len(exclude)),
                ).fetchall()
                rows = [row for row in rows if row[0] not in exclude]
            if not rows:
                rows = db.execute(
                    f"{select} JOIN files f ON f.path = c.path WHERE c.embedded = 0"
                    " ORDER BY f.mtime_ns DESC, c.path, c.start_line LIMIT ?",
                    (limit + len(exclude),),
                ).fetchall()
        picked: dict[str, PendingChunk] = {}
        for cid, path, text, content_hash, language, symbol, kind, start, end in rows:
            if cid in exclude or cid in picked:
                continue
            meta: dict[str, str | int] = {
                "path": path,
                "language": language,
                "symbol": symbol,
                "kind": kind,
                "start_line": start,
                "end_line": end,
            }
            picked[cid] = PendingChunk(cid, path, text, content_hash, meta)
            if len(picked) >= limit:
                break
        return list(picked.values())

    def cached_vectors(self, hashes: Iterable[str]) -> dict[str, list[float]]:
        wanted = list(set(hashes))
        found: dict[str, list[float]] = {}
        with self._db.reading() as db:
            for start in range(0, len(wanted), 500):
                part = wanted[start : start + 500]
                marks = ",".join("?" * len(part))
                for content_hash, blob in db.execute(
                    f"SELECT content_hash, vector FROM vectors WHERE content_hash IN ({marks})",
                    part,
                ):
                    found[content_hash] = _unpack(blob)
        return found

    def name_vectors(self, names: Iterable[str]) -> dict[str, list[float]]:
        wanted = list(set(names))
        found: dict[str, list[float]] = {}
        with self._db.reading() as db:
            for start in range(0, len(wanted), 500):
                part = wanted[start : start + 500]
                marks = ",".join("?" * len(part))
                for name, blob in db.execute(
                    f"SELECT name, vector FROM name_vectors WHERE name IN ({marks})", part
                ):
                    found[name] = _unpack(blob)
        return found

    def names_without_vectors(self, limit: int) -> list[str]:
        """Name views of embedded chunks that have no vector (an index built before name
        views existed); the embedding worker fills them in after the chunks. Once none is
        missing the catalog remembers it and later calls cost nothing."""
        if self._db.get_meta("name_views") == "complete":
            return []
        with self._db.reading() as db:
            used = {
                name_text(symbol, path)
                for symbol, path in db.execute(
                    "SELECT DISTINCT symbol, path FROM chunks WHERE embedded = 1"
                )
            }
            have = {name for (name,) in db.execute("SELECT name FROM name_vectors")}
        missing = sorted(used - have)
        if not missing:
            self._db.set_meta("name_views", "complete")
        return missing[:limit]

    def add_name_vectors(self, names: dict[str, list[float]]) -> None:
        with self._db.transaction() as tx:
            tx.executemany(
                "INSERT OR IGNORE INTO name_vectors VALUES (?, ?)",
                [(name, _pack(vector)) for name, vector in names.items()],
            )

    def begin_add(
        self,
        ids: Sequence[str],
        vectors: dict[str, list[float]],
        names: dict[str, list[float]] | None = None,
    ) -> list[str]:
        """Cache new chunk and name vectors and log add intents for the ids still present;
        returns them."""
        with self._db.transaction() as tx:
            tx.executemany(
                "INSERT OR IGNORE INTO vectors VALUES (?, ?)",
                [(content_hash, _pack(vector)) for content_hash, vector in vectors.items()],
            )
            tx.executemany(
                "INSERT OR IGNORE INTO name_vectors VALUES (?, ?)",
                [(name, _pack(vector)) for name, vector in (names or {}).items()],
            )
            live = [
                cid
                for cid in ids
                if tx.execute(
                    "SELECT 1 FROM chunks WHERE id = ? AND embedded = 0", (cid,)
                ).fetchone()
            ]
            tx.log_intents(live, "add")
        return live

    def confirm_added(self, ids: Sequence[str]) -> int:
        """The vector store holds these ids now: mark them and settle their files; returns
        how many of those files are now fully embedded."""
        return self._settle(ids, embedded=True)

    def _settle(self, ids: Sequence[str], *, embedded: bool) -> int:
        """Mark chunks (not) embedded, clear their intents and update their files' state;
        returns the number of those files left with every chunk embedded."""
        with self._db.transaction() as tx:
            paths: set[str] = set()
            flipped = 0
            for cid in ids:
                row = tx.execute(
                    "SELECT path, embedded FROM chunks WHERE id = ?", (cid,)
                ).fetchone()
                if row:
                    paths.add(row[0])
                    flipped += bool(row[1]) != embedded
                    tx.execute("UPDATE chunks SET embedded = ? WHERE id = ?", (int(embedded), cid))
            tx.count(Counts(chunks_embedded=flipped if embedded else -flipped))
            _clear_intents(tx, ids)
            return sum(_settle_file(tx, path) for path in paths)

    def clear_intents(self, ids: Sequence[str]) -> None:
        with self._db.transaction() as tx:
            _clear_intents(tx, ids)

    def intents(self) -> dict[str, str]:
        with self._db.reading() as db:
            return dict(db.execute("SELECT id, op FROM intents").fetchall())

    def settle_unconfirmed(self, ids: Sequence[str]) -> None:
        """After their vectors were removed from the store: embed these again (from cache)."""
        self._settle(ids, embedded=False)

    def settle_files_without_chunks(self) -> None:
        """Empty files have nothing to embed; they count as embedded. Writes only when one
        does not yet, so that opening a settled index never waits for another writer."""
        with self._db.reading() as db:
            unsettled = db.execute(
                "SELECT 1 FROM files WHERE chunk_ids = '[]' AND state != 'embedded' LIMIT 1"
            ).fetchone()
        if unsettled is None:
            return
        with self._db.transaction() as tx:
            settled = tx.execute(
                "UPDATE files SET state = 'embedded' WHERE chunk_ids = '[]' AND state != 'embedded'"
            ).rowcount
            tx.count(Counts(files_embedded=settled))

    def drop_unused_vectors(self) -> int:
        with self._db.transaction() as tx:
            cursor = tx.execute(
                "DELETE FROM vectors WHERE content_hash NOT IN (SELECT content_hash FROM chunks)"
            )
            used = {
                name_text(symbol, path)
                for symbol, path in tx.execute("SELECT DISTINCT symbol, path FROM chunks")
            }
            stale = [
                (name,)
                for (name,) in tx.execute("SELECT name FROM name_vectors")
                if name not in used
            ]
            tx.executemany("DELETE FROM name_vectors WHERE name = ?", stale)
        return cursor.rowcount + len(stale)

    def embedded_ids(self) -> set[str]:
        with self._db.reading() as db:
            return {row[0] for row in db.execute("SELECT id FROM chunks WHERE embedded = 1")}

    def mark_unembedded(self, ids: Iterable[str]) -> None:
        self.settle_unconfirmed(list(ids))


def _settle_file(tx: Transaction, path: str) -> bool:
    """A file is embedded when none of its chunks is waiting; True when it is."""
    left = tx.execute(
        "SELECT count(*) FROM chunks WHERE path = ? AND embedded = 0", (path,)
    ).fetchone()[0]
    state = "keyword" if left else "embedded"
    row = tx.execute("SELECT state FROM files WHERE path = ?", (path,)).fetchone()
    if row is not None and row[0] != state:
        tx.execute("UPDATE files SET state = ? WHERE path = ?", (state, path))
        tx.count(Counts(files_embedded=-1 if left else 1))
    return not left


def _clear_intents(tx: Transaction, ids: Sequence[str]) -> None:
    tx.executemany("DELETE FROM intents WHERE id = ?", [(i,) for i in ids])
