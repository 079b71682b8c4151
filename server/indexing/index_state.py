"""`IndexState`: what one index's two workers are doing and what is still due, as one value.

The workers (`index_workers.py`) never set a flag: every event is a method that returns the
next state, and status, completeness and "may the index settle now" are read from it. No
I/O and no asyncio here, so each rule is unit-tested alone (tests/indexing/test_index_state.py).

The keyword side: a full scan is due at open and after `reindex`; change batches pile up in
`changes`; after a full scan, verify walks re-check what changed meanwhile before the index
may settle. Until the disk was checked the index is not complete, even a scanned one at open:
files may have changed while nothing ran. Only the verify walks after that start-up re-check
are "quiet" (they do not make the index incomplete; what they find does).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from server.indexing.catalog_db import Counts
from server.indexing.progress import Phase, State

VERIFY_ROUNDS = 5

SettleStep = Literal["wait", "verify", "settle"]


@dataclass(frozen=True)
class FullScan:
    """Walk the whole root; `rehash`: re-read files whose stat did not change too."""

    rehash: bool
    recheck: bool  # a scanned index is only re-checked: its verify walks are quiet


@dataclass(frozen=True)
class ChangeBatch:
    """Re-check these paths (files or folders)."""

    paths: frozenset[str]


@dataclass(frozen=True)
class VerifyWalk:
    """Walk again and re-check what changed since the last walk."""


KeywordPass = FullScan | ChangeBatch | VerifyWalk


@dataclass(frozen=True)
class IndexState:
    scanned: bool = False  # a full scan finished, in this process or an earlier one
    full_scan_due: bool = True
    recheck: bool = False  # the due or running full scan re-checks a scanned index (at open)
    rehash: bool = False  # the due full scan re-reads every file (reindex)
    changes: frozenset[str] = frozenset()  # paths changed, not yet re-checked
    verify_rounds: int = 0  # verify walks still due before the index may settle
    verify_quiet: bool = False  # those walks follow a re-check: not a pending change
    keyword_busy: bool = False
    running: KeywordPass | None = None  # the keyword pass under way
    embed_busy: bool = False
    paused: bool = False  # embedding waits; the keyword pass goes on
    settled: bool = False  # both workers ran out of work
    index_error: str = ""  # the last keyword pass failed: the index is half-built
    embed_error: str = ""  # the model failed: keyword search only until a reindex

    @classmethod
    def opened(cls, scanned: bool) -> IndexState:
        """At open a full scan is due; on an index scanned before, it only re-checks."""
        return cls(scanned=scanned, recheck=scanned)

    # events from outside ----------------------------------------------------------------
    def changed(self, paths: frozenset[str] | set[str]) -> IndexState:
        return replace(self, changes=self.changes | paths, settled=False)

    def reindexed(self) -> IndexState:
        """Re-read everything; both errors are cleared, so the next passes try again."""
        return replace(
            self,
            full_scan_due=True,
            recheck=False,
            rehash=True,
            settled=False,
            index_error="",
            embed_error="",
        )

    def with_paused(self, paused: bool) -> IndexState:
        return replace(self, paused=paused)

    # keyword worker ---------------------------------------------------------------------
    def keyword_due(self, embed_woken: bool) -> bool:
        """A pass is due: a full scan, a change batch, or a verify walk once the embedding
        worker is done (so files changed while it embedded are found too)."""
        verify = bool(self.verify_rounds) and not (self.embed_busy or embed_woken)
        return self.full_scan_due or bool(self.changes) or verify

    def keyword_started(self) -> IndexState:
        return replace(self, keyword_busy=True, settled=False)

    def next_pass(self) -> tuple[IndexState, KeywordPass]:
        """Which pass runs now: a due full scan (it covers every change), else the pending
        change batch, else a verify walk (which uses up one round)."""
        if self.full_scan_due:
            plan: KeywordPass = FullScan(rehash=self.rehash, recheck=self.recheck)
            state = replace(self, full_scan_due=False, changes=frozenset(), rehash=False)
        elif not self.changes:
            plan = VerifyWalk()
            state = replace(self, verify_rounds=self.verify_rounds - 1)
        else:
            plan = ChangeBatch(self.changes)
            state = replace(self, changes=frozenset())
        return replace(state, running=plan), plan

    def full_scan_ended(self) -> IndexState:
        """The scan returned or raised: it no longer runs as a mere re-check."""
        return replace(self, recheck=False)

    def full_scan_done(self, plan: FullScan) -> IndexState:
        """Scanned through (and remembered in the catalog): verify walks are due; after the
        start-up re-check they do not make the index incomplete."""
        return replace(self, scanned=True, verify_rounds=VERIFY_ROUNDS, verify_quiet=plan.recheck)

    def batch_needs_full_scan(self) -> IndexState:
        """An ignore-rule file changed: only a full scan applies new rules."""
        return replace(self, full_scan_due=True, recheck=False)

    def verified(self, stale: frozenset[str] | set[str]) -> IndexState:
        """A verify walk's outcome: nothing changed ends the walks; else re-check `stale`."""
        if not stale:
            return replace(self, verify_rounds=0)
        return replace(self, changes=self.changes | stale)

    def keyword_passed(self) -> IndexState:
        return replace(self, keyword_busy=False, running=None, index_error="")

    def keyword_failed(self, reason: str) -> IndexState:
        """Reported until a pass succeeds; no verify walk follows a failed pass."""
        return replace(self, keyword_busy=False, running=None, index_error=reason, verify_rounds=0)

    # embedding worker -------------------------------------------------------------------
    def embedding_started(self) -> IndexState:
        return replace(self, embed_busy=True)

    def embedding_stopped(self) -> IndexState:
        return replace(self, embed_busy=False)

    def model_failed(self, reason: str) -> IndexState:
        return replace(self, embed_busy=False, embed_error=reason)

    # settling ---------------------------------------------------------------------------
    def settle_step(self, keyword_woken: bool, embed_woken: bool) -> SettleStep:
        """After a worker ran out of work: wait while anything is due or running; a due
        verify walk goes to the keyword worker first; else the index settles."""
        due = self.full_scan_due or bool(self.changes) or keyword_woken or embed_woken
        if self.keyword_busy or self.embed_busy or due:
            return "wait"
        return "verify" if self.verify_rounds else "settle"

    def settle(self) -> IndexState:
        return replace(self, settled=True)

    # what status reports ----------------------------------------------------------------
    @property
    def failure(self) -> str:
        """Why the last keyword pass or the embedding failed ("" when neither did)."""
        return self.index_error or self.embed_error

    @property
    def pending(self) -> bool:
        """The disk may differ from the index: a change is known and not indexed yet, or a
        full scan (the start-up re-check too) or change batch is due or running, or verify
        walks after a full scan that was no mere re-check are still due or running."""
        checking = isinstance(self.running, FullScan | ChangeBatch)
        walking = bool(self.verify_rounds) or isinstance(self.running, VerifyWalk)
        loud_walks = walking and not self.verify_quiet
        return self.full_scan_due or bool(self.changes) or checking or loud_walks

    def activity(self) -> State:
        if self.paused:
            return "paused"
        busy = self.keyword_busy or self.embed_busy
        return "indexing" if busy or not self.settled else "idle"

    def phase(self, counts: Counts) -> Phase:
        if self.keyword_busy or self.full_scan_due or self.changes:
            return "scanning"
        return "embedding" if counts.chunks_embedded < counts.chunks else "done"

    def complete(self, counts: Counts, files_total: int) -> bool:
        """One definition for every front end: every file known is keyword-indexed and
        embedded, no pass failed and no change is pending."""
        return (
            self.scanned
            and not self.index_error
            and not self.pending
            and files_total == counts.files
            and counts.files_embedded == counts.files
            and counts.chunks_embedded == counts.chunks
        )
