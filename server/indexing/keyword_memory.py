"""Keeps `KeywordPostings` (the in-memory BM25 ranking) in step with the catalog.

Every catalog write that touches the keyword table runs inside `writing()`, which makes the
postings stale at once; while stale, `rank` answers None and the caller asks FTS5 (correct,
slower). A worker thread rebuilds the postings once writes have been quiet for `quiet_s`,
on its own read-only connection (WAL: it never waits on, nor blocks, the writer), and keeps
the result only if no write began or ended meanwhile. The first build starts at open.
`close` interrupts a build in progress and joins the thread.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from server.indexing.keyword_postings import (
    FtsStemmer,
    KeywordPostings,
    attach_vocabulary,
    build_postings,
)

log = logging.getLogger(__name__)

QUIET_S = 1.0


class KeywordMemory:
    """The in-memory ranking of one catalog's FTS5 table, rebuilt after writes."""

    def __init__(
        self,
        path: Path,
        table: str,
        tokenizer: str,
        weights: Mapping[str, float],
        quiet_s: float = QUIET_S,
    ) -> None:
        self._path = path
        self._table = table
        self._weights = dict(weights)
        self._quiet_s = quiet_s
        self._stemmer = FtsStemmer(tokenizer)
        self._cond = threading.Condition()
        self._generation = 1  # bumped when a write begins and when it ends
        self._writes = 0  # write blocks now open
        self._last_write = float("-inf")
        self._built = 0  # the generation `_postings` reflects
        self._failed = 0  # a generation whose build failed: not retried until the next write
        self._postings: KeywordPostings | None = None
        self._building: sqlite3.Connection | None = None
        self._closed = False
        self.build_seconds: float | None = None
        self._thread = threading.Thread(target=self._run, name="keyword-memory", daemon=True)
        self._thread.start()

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Wrap a write to the keyword table (enter before its transaction, leave after)."""
        self._bump(+1)
        try:
            yield
        finally:
            self._bump(-1)

    def _bump(self, writes: int) -> None:
        with self._cond:
            self._generation += 1
            self._writes += writes
            self._last_write = time.monotonic()
            self._cond.notify_all()

    def postings(self) -> KeywordPostings | None:
        """The postings if they reflect every committed write, else None."""
        with self._cond:
            fresh = self._built == self._generation and not self._writes
            return self._postings if fresh else None

    def rank(
        self, tokens: Sequence[str], limit: int, languages: Sequence[str] | None
    ) -> list[int] | None:
        """Rowids, best first, as the FTS5 query `"t1" OR "t2" ...` ranks them; None when
        stale or when a token is not a single FTS5 term (then it is a phrase query)."""
        postings = self.postings()
        if postings is None:
            return None
        terms = self._stemmer.terms(tokens)
        if any(len(term) != 1 for term in terms):
            return None
        return postings.rank([term[0] for term in terms], limit, languages)

    def wait_fresh(self, timeout: float) -> bool:
        """Block until the postings are fresh (benchmarks and tests; never on the event loop)."""
        with self._cond:
            return self._cond.wait_for(
                lambda: self._built == self._generation and not self._writes, timeout
            )

    def close(self) -> None:
        with self._cond:
            self._closed = True
            if self._building is not None:
                self._building.interrupt()
            self._cond.notify_all()
        self._thread.join()
        self._stemmer.close()

    # the worker ---------------------------------------------------------------------------
    def _due(self) -> float | None:
        """Seconds until a rebuild may start (0: now), None if none is needed."""
        if self._built == self._generation or self._failed == self._generation or self._writes:
            return None
        return max(0.0, self._last_write + self._quiet_s - time.monotonic())

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._closed and (wait := self._due()) != 0.0:
                    self._cond.wait(wait)
                if self._closed:
                    return
                generation = self._generation
            started = time.perf_counter()
            try:
                postings = self._build()
            except Exception as error:  # noqa: BLE001 - searches fall back to FTS5, said in the log
                with self._cond:
                    if self._closed:
                        return
                    self._failed = generation
                log.warning("keyword postings not built (FTS5 query used): %s", error)
                continue
            with self._cond:
                if generation == self._generation and not self._closed:
                    self._postings, self._built = postings, generation
                    self.build_seconds = time.perf_counter() - started
                    self._cond.notify_all()

    def _build(self) -> KeywordPostings:
        uri = self._path.resolve().as_uri() + "?mode=ro"
        db = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
        with self._cond:
            self._building = db
        try:
            if self._closed:
                raise sqlite3.OperationalError("closed")
            attach_vocabulary(db, self._table)
            db.execute("BEGIN")
            try:
                return build_postings(db, self._table, self._weights)
            finally:
                db.execute("ROLLBACK")
        finally:
            with self._cond:
                self._building = None
            db.close()
