"""The catalog's side of the embedding pipeline: which chunks still need vectors, the vector
caches (chunk vectors by content hash, name-view vectors by name) and the intent log that
brackets every vector-store write.

`Catalog` inherits these methods; they run on its connection, one transaction each, and keep
the invariants stated in `catalog.py`.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from server.indexing.catalog_db import CatalogDatabase
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


class VectorBookkeeping(CatalogDatabase):
    """Pending chunks, cached vectors and intents of one catalog database."""

    def forget_vectors(self) -> None:
        """The embedding model changed: every vector (cached or stored) is void."""
        with self._tx():
            self._db.execute("DELETE FROM vectors")
            self._db.execute("DELETE FROM name_vectors")
            self._db.execute("UPDATE chunks SET embedded = 0")
            self._db.execute("UPDATE files SET state = 'keyword'")

    def pending(
        self, limit: int, exclude: set[str], first: Sequence[str] = ()
    ) -> list[PendingChunk]:
        """Chunks without vectors: those of files in `first` alone when there are any (a
        small batch that is done quickly), else those of the most recently modified files."""
        select = (
            "SELECT c.id, c.path, c.embed_text, c.content_hash, c.language, c.symbol,"
            " c.kind, c.start_line, c.end_line FROM chunks c"
        )
        with self._lock:
            rows: list[tuple] = []
            if first:
                marks = ",".join("?" * len(first))
                rows = self._db.execute(
                    f"{select} WHERE c.embedded = 0 AND c.path IN ({marks})"
                    " ORDER BY c.path, c.start_line LIMIT ?",
                    (*first, limit + len(exclude)),
                ).fetchall()
                rows = [row for row in rows if row[0] not in exclude]
            if not rows:
                rows = self._db.execute(
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
        with self._lock:
            for start in range(0, len(wanted), 500):
                part = wanted[start : start + 500]
                marks = ",".join("?" * len(part))
                for content_hash, blob in self._db.execute(
                    f"SELECT content_hash, vector FROM vectors WHERE content_hash IN ({marks})",
                    part,
                ):
                    found[content_hash] = _unpack(blob)
        return found

    def name_vectors(self, names: Iterable[str]) -> dict[str, list[float]]:
        wanted = list(set(names))
        found: dict[str, list[float]] = {}
        with self._lock:
            for start in range(0, len(wanted), 500):
                part = wanted[start : start + 500]
                marks = ",".join("?" * len(part))
                for name, blob in self._db.execute(
                    f"SELECT name, vector FROM name_vectors WHERE name IN ({marks})", part
                ):
                    found[name] = _unpack(blob)
        return found

    def names_without_vectors(self, limit: int) -> list[str]:
        """Name views of embedded chunks that have no vector (an index built before name
        views existed); the embedding worker fills them in after the chunks. Once none is
        missing the catalog remembers it and later calls cost nothing."""
        if self.get_meta("name_views") == "complete":
            return []
        with self._lock:
            used = {
                name_text(symbol, path)
                for symbol, path in self._db.execute(
                    "SELECT DISTINCT symbol, path FROM chunks WHERE embedded = 1"
                )
            }
            have = {name for (name,) in self._db.execute("SELECT name FROM name_vectors")}
        missing = sorted(used - have)
        if not missing:
            self.set_meta("name_views", "complete")
        return missing[:limit]

    def add_name_vectors(self, names: dict[str, list[float]]) -> None:
        with self._tx():
            self._db.executemany(
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
        with self._tx():
            self._db.executemany(
                "INSERT OR IGNORE INTO vectors VALUES (?, ?)",
                [(content_hash, _pack(vector)) for content_hash, vector in vectors.items()],
            )
            self._db.executemany(
                "INSERT OR IGNORE INTO name_vectors VALUES (?, ?)",
                [(name, _pack(vector)) for name, vector in (names or {}).items()],
            )
            live = [
                cid
                for cid in ids
                if self._db.execute(
                    "SELECT 1 FROM chunks WHERE id = ? AND embedded = 0", (cid,)
                ).fetchone()
            ]
            self._log_intents(live, "add")
        return live

    def confirm_added(self, ids: Sequence[str]) -> int:
        """The vector store holds these ids now: mark them and settle their files; returns
        how many of those files are now fully embedded."""
        return self._settle(ids, embedded=True)

    def _settle(self, ids: Sequence[str], *, embedded: bool) -> int:
        """Mark chunks (not) embedded, clear their intents and update their files' state;
        returns the number of those files left with every chunk embedded."""
        with self._tx():
            paths: set[str] = set()
            for cid in ids:
                row = self._db.execute("SELECT path FROM chunks WHERE id = ?", (cid,)).fetchone()
                if row:
                    paths.add(row[0])
                    self._db.execute(
                        "UPDATE chunks SET embedded = ? WHERE id = ?", (int(embedded), cid)
                    )
            self._clear_intents(ids)
            return sum(self._settle_file(path) for path in paths)

    def _settle_file(self, path: str) -> bool:
        left = self._db.execute(
            "SELECT count(*) FROM chunks WHERE path = ? AND embedded = 0", (path,)
        ).fetchone()[0]
        self._db.execute(
            "UPDATE files SET state = ? WHERE path = ?",
            ("keyword" if left else "embedded", path),
        )
        return not left

    def _clear_intents(self, ids: Sequence[str]) -> None:
        self._db.executemany("DELETE FROM intents WHERE id = ?", [(i,) for i in ids])

    def clear_intents(self, ids: Sequence[str]) -> None:
        with self._tx():
            self._clear_intents(ids)

    def intents(self) -> dict[str, str]:
        with self._lock:
            return dict(self._db.execute("SELECT id, op FROM intents").fetchall())

    def settle_unconfirmed(self, ids: Sequence[str]) -> None:
        """After their vectors were removed from the store: embed these again (from cache)."""
        self._settle(ids, embedded=False)

    def settle_files_without_chunks(self) -> None:
        """Empty files have nothing to embed; they count as embedded. Writes only when one
        does not yet, so that opening a settled index never waits for another writer."""
        with self._lock:
            unsettled = self._db.execute(
                "SELECT 1 FROM files WHERE chunk_ids = '[]' AND state != 'embedded' LIMIT 1"
            ).fetchone()
        if unsettled is None:
            return
        with self._tx():
            self._db.execute(
                "UPDATE files SET state = 'embedded' WHERE chunk_ids = '[]' AND state != 'embedded'"
            )

    def drop_unused_vectors(self) -> int:
        with self._tx():
            cursor = self._db.execute(
                "DELETE FROM vectors WHERE content_hash NOT IN (SELECT content_hash FROM chunks)"
            )
            used = {
                name_text(symbol, path)
                for symbol, path in self._db.execute("SELECT DISTINCT symbol, path FROM chunks")
            }
            stale = [
                (name,)
                for (name,) in self._db.execute("SELECT name FROM name_vectors")
                if name not in used
            ]
            self._db.executemany("DELETE FROM name_vectors WHERE name = ?", stale)
        return cursor.rowcount + len(stale)

    def embedded_ids(self) -> set[str]:
        with self._lock:
            return {row[0] for row in self._db.execute("SELECT id FROM chunks WHERE embedded = 1")}

    def mark_unembedded(self, ids: Iterable[str]) -> None:
        self.settle_unconfirmed(list(ids))
