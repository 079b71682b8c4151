"""FTS5's BM25 ranking, recomputed in memory from the FTS5 index itself.

Why: FTS5 scores every matching row one at a time (~1.7 ms per 1000 rows); a question of six
OR-ed words matches a third of the stdlib's 23k chunks. Here the same numbers come from numpy
over postings arrays in ~1-2 ms, and the ranking is FTS5's own:

- postings, column sizes and table totals are read from SQLite (`fts5vocab` 'instance', the
  `_docsize` and `_data` averages record), so tokenization is exactly SQLite's;
- query tokens are stemmed by SQLite too (`FtsStemmer`: a tiny in-memory FTS5 table);
- the score is `fts5Bm25Function` (ext/fts5/fts5_aux.c) term for term: each quoted token is a
  phrase, its frequency in a row the sum of the column weights of its hits, D the row's
  tokens over all columns, avgdl all tokens over all rows, IDF clamped to 1e-6, phrases
  summed in query order so the floats come out the same. Ties are broken by rowid.

Memory: 8 bytes per (term, row) pair, 20 per row, ~200 per distinct term; at stdlib scale
(23k chunks, 865k pairs, 36k terms) 14.4 MB, built in ~2 s (docs/benchmarks.md).
"""

from __future__ import annotations

import math
import sqlite3
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

K1 = 1.2
B = 0.75
_CACHE_LIMIT = 100_000
_BATCH = 65_536


@dataclass(frozen=True)
class KeywordPostings:
    """One snapshot of the keyword index. Rows are numbered by slot, in rowid order."""

    rowids: np.ndarray  # int64 per slot: the chunk's rowid
    languages: np.ndarray  # int32 per slot: index into `language_names`, -1 if unknown
    language_names: dict[str, int]
    norm: np.ndarray  # float64 per slot: k1 * (1 - b + b * D / avgdl)
    row_count: int
    spans: dict[str, tuple[int, int]]  # term -> [start, end) in `slots` / `freqs`
    slots: np.ndarray  # int32: the rows holding each term, grouped by term
    freqs: np.ndarray  # weighted hits of the term in the row (float32 when exact)

    @property
    def nbytes(self) -> int:
        """Arrays plus the term dictionary (strings, span tuples and their ints)."""
        arrays = (self.rowids, self.languages, self.norm, self.slots, self.freqs)
        terms = sys.getsizeof(self.spans) + sum(
            sys.getsizeof(term) + sys.getsizeof(span) + 2 * sys.getsizeof(span[1])
            for term, span in self.spans.items()
        )
        return sum(a.nbytes for a in arrays) + terms

    def rank(self, terms: Sequence[str], limit: int, languages: Sequence[str] | None) -> list[int]:
        """Rowids of the best `limit` rows matching any term (one phrase per term, in query
        order), best first, as `ORDER BY bm25(...)` would give them."""
        score = np.zeros(len(self.rowids))
        for term in terms:
            start, end = self.spans.get(term, (0, 0))
            if start == end:
                continue
            slots, freqs = self.slots[start:end], self.freqs[start:end].astype(np.float64)
            hits = end - start
            idf = math.log((self.row_count - hits + 0.5) / (hits + 0.5))
            idf = idf if idf > 0.0 else 1e-6
            score[slots] += idf * ((freqs * (K1 + 1.0)) / (freqs + self.norm[slots]))
        found = np.flatnonzero(score > 0.0)
        if languages:
            codes = [self.language_names[name] for name in languages if name in self.language_names]
            found = found[np.isin(self.languages[found], codes)]
        if len(found) > limit > 0:
            cut = np.partition(-score[found], limit - 1)[limit - 1]
            found = found[-score[found] <= cut]
        order = np.lexsort((self.rowids[found], -score[found]))
        return [int(rowid) for rowid in self.rowids[found[order][: max(limit, 0)]]]


def build_postings(
    db: sqlite3.Connection, table: str, weights: Mapping[str, float]
) -> KeywordPostings:
    """Read `table` (an FTS5 table over chunks) into postings; `weights` per FTS column,
    as passed to bm25(). Run inside a read transaction for one consistent snapshot."""
    sizes = db.execute(f"SELECT id, sz FROM {table}_docsize ORDER BY id").fetchall()
    rowids = np.array([row[0] for row in sizes], dtype=np.int64)
    row_tokens = np.array([sum(_varints(row[1])) for row in sizes], dtype=np.float64)
    averages = db.execute(f"SELECT block FROM {table}_data WHERE id = 1").fetchone()
    row_count, *column_totals = _varints(averages[0] if averages else b"") or [0]
    avgdl = float(sum(column_totals)) / float(row_count) if row_count else 1.0
    norm = K1 * (1 - B + B * row_tokens / avgdl)

    by_language: dict[str, int] = {}
    languages = np.full(len(rowids), -1, dtype=np.int32)
    language_rows = db.execute(
        f"SELECT f.id, c.language FROM {table}_docsize f JOIN chunks c ON c.rowid = f.id"
    )
    pairs = [
        (rowid, by_language.setdefault(name, len(by_language))) for rowid, name in language_rows
    ]
    if pairs:
        known = np.array(pairs, dtype=np.int64)
        languages[np.searchsorted(rowids, known[:, 0])] = known[:, 1]

    case = " ".join(f"WHEN ? THEN {float(w)!r}" for w in weights.values())
    cursor = db.execute(
        f"SELECT term, doc, total(CASE col {case} ELSE 1.0 END) FROM temp.{table}_instances"
        " GROUP BY term, doc ORDER BY term, doc",
        list(weights),
    )
    docs, freqs, spans = _read_postings(cursor)
    slots = np.searchsorted(rowids, docs)
    if len(docs) and (slots.max() >= len(rowids) or (rowids[slots] != docs).any()):
        raise sqlite3.DatabaseError(f"{table}: postings name rows without a size")
    return KeywordPostings(
        rowids,
        languages,
        by_language,
        norm,
        row_count,
        spans,
        slots.astype(np.int32),
        _compact(freqs),
    )


def _compact(freqs: np.ndarray) -> np.ndarray:
    """float32 when that loses nothing (integer weights), as bm25's doubles need."""
    narrow = freqs.astype(np.float32)
    return narrow if np.array_equal(narrow, freqs) else freqs


def _read_postings(
    cursor: sqlite3.Cursor,
) -> tuple[np.ndarray, np.ndarray, dict[str, tuple[int, int]]]:
    """(rowids, weighted frequencies, term spans) from rows ordered by term: read in
    batches, so the build never holds a Python object per posting (~150 MB at stdlib scale)."""
    doc_parts: list[np.ndarray] = []
    freq_parts: list[np.ndarray] = []
    spans: dict[str, tuple[int, int]] = {}
    current, start, count = "", 0, 0
    while batch := cursor.fetchmany(_BATCH):
        terms, docs, freqs = zip(*batch, strict=True)
        doc_parts.append(np.array(docs, dtype=np.int64))
        freq_parts.append(np.array(freqs, dtype=np.float64))
        for i, term in enumerate(terms, count):
            if term != current:
                if i > start:
                    spans[current] = (start, i)
                current, start = term, i
        count += len(batch)
    if count > start:
        spans[current] = (start, count)
    if not doc_parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0), spans
    return np.concatenate(doc_parts), np.concatenate(freq_parts), spans


def attach_vocabulary(db: sqlite3.Connection, table: str) -> None:
    """The `fts5vocab` view `build_postings` reads (temp schema: works on read-only files)."""
    db.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{table}_instances"
        f" USING fts5vocab(main, {table}, instance)"
    )


def _varints(blob: bytes) -> list[int]:
    """SQLite varints, as FTS5 stores row sizes and table totals."""
    values: list[int] = []
    pos = 0
    while pos < len(blob):
        value = 0
        for i in range(9):
            byte = blob[pos]
            pos += 1
            if i == 8:
                value = (value << 8) | byte
                break
            value = (value << 7) | (byte & 0x7F)
            if byte < 0x80:
                break
        values.append(value)
    return values


class FtsStemmer:
    """Query tokens as FTS5 stores them, from SQLite's own tokenizer (a scratch FTS5 table
    in memory); cached per token."""

    def __init__(self, tokenizer: str) -> None:
        self._db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        self._db.execute(f"CREATE VIRTUAL TABLE scratch USING fts5 (text, tokenize={tokenizer})")
        self._db.execute("CREATE VIRTUAL TABLE scratch_terms USING fts5vocab(scratch, instance)")
        self._cache: dict[str, tuple[str, ...]] = {}
        self._lock = threading.Lock()

    def terms(self, tokens: Sequence[str]) -> list[tuple[str, ...]]:
        """Per token, the terms its phrase searches for (usually one)."""
        with self._lock:
            missing = [token for token in dict.fromkeys(tokens) if token not in self._cache]
            if missing:
                if len(self._cache) + len(missing) > _CACHE_LIMIT:
                    self._cache.clear()
                self._cache.update(self._tokenize(missing))
            return [self._cache[token] for token in tokens]

    def _tokenize(self, tokens: list[str]) -> dict[str, tuple[str, ...]]:
        found: dict[int, list[str]] = {n: [] for n in range(1, len(tokens) + 1)}
        self._db.execute("BEGIN")
        try:
            self._db.executemany(
                "INSERT INTO scratch (rowid, text) VALUES (?, ?)", enumerate(tokens, 1)
            )
            for doc, term in self._db.execute(
                "SELECT doc, term FROM scratch_terms ORDER BY doc, offset"
            ):
                found[doc].append(term)
        finally:
            self._db.execute("ROLLBACK")
        return {token: tuple(found[n]) for n, token in enumerate(tokens, 1)}

    def close(self) -> None:
        with self._lock:
            self._db.close()
