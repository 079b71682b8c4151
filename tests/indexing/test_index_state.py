"""`IndexState` alone: which pass runs, when the index settles, and what status says."""

from __future__ import annotations

from dataclasses import replace

from server.indexing.catalog_db import Counts
from server.indexing.index_state import (
    VERIFY_ROUNDS,
    ChangeBatch,
    FullScan,
    IndexState,
    VerifyWalk,
)

FULL = Counts(files=3, files_embedded=3, chunks=7, chunks_embedded=7)
KEYWORD_ONLY = Counts(files=3, files_embedded=0, chunks=7, chunks_embedded=0)


def run_full_scan(state: IndexState) -> IndexState:
    """What the keyword worker does with a due full scan that succeeds."""
    state, plan = state.keyword_started().next_pass()
    assert isinstance(plan, FullScan)
    return state.full_scan_ended().full_scan_done(plan).keyword_passed()


def settle_verify_walks(state: IndexState) -> IndexState:
    state, plan = state.keyword_started().next_pass()
    assert isinstance(plan, VerifyWalk)
    return state.verified(set()).keyword_passed()


def test_a_new_index_is_incomplete_until_scanned_verified_and_embedded() -> None:
    state = IndexState.opened(scanned=False)
    assert state.full_scan_due and state.pending and not state.complete(FULL, 3)
    assert state.phase(FULL) == "scanning" and state.activity() == "indexing"
    state = run_full_scan(state)
    assert state.scanned and state.verify_rounds == VERIFY_ROUNDS
    assert state.pending and not state.complete(FULL, 3)  # verify walks are still due
    assert state.settle_step(keyword_woken=False, embed_woken=False) == "verify"
    state = settle_verify_walks(state)
    assert not state.pending and state.verify_rounds == 0
    assert state.phase(KEYWORD_ONLY) == "embedding" and not state.complete(KEYWORD_ONLY, 3)
    assert state.phase(FULL) == "done" and state.complete(FULL, 3)
    assert state.settle_step(keyword_woken=False, embed_woken=False) == "settle"
    state = state.settle()
    assert state.settled and state.activity() == "idle"


def test_a_scanned_index_is_incomplete_until_its_start_up_recheck_ran() -> None:
    state = IndexState.opened(scanned=True)
    assert state.recheck and state.pending and not state.complete(FULL, 3)
    assert state.phase(FULL) == "scanning"
    state, plan = state.keyword_started().next_pass()
    assert plan == FullScan(rehash=False, recheck=True) and state.running == plan
    assert state.pending and not state.complete(FULL, 3)  # the disk is being checked
    state = state.full_scan_ended()
    assert not state.complete(FULL, 3)  # still running until the pass returns
    state = state.full_scan_done(plan).keyword_passed()
    assert state.running is None and state.verify_quiet and state.verify_rounds
    assert not state.pending and state.complete(FULL, 3)


def test_the_quiet_verify_walks_after_the_recheck_keep_it_complete() -> None:
    state = run_full_scan(IndexState.opened(scanned=True))
    state, plan = state.keyword_started().next_pass()
    assert isinstance(plan, VerifyWalk) and state.keyword_busy
    assert state.complete(FULL, 3)  # the walk only looks; nothing is known to differ
    state = state.verified({"moved.py"})
    assert state.pending and not state.complete(FULL, 3)  # what it found is pending


def test_the_last_verify_walk_of_a_full_scan_is_pending_while_it_runs() -> None:
    state = replace(run_full_scan(IndexState.opened(scanned=False)), verify_rounds=1)
    state, plan = state.keyword_started().next_pass()
    assert isinstance(plan, VerifyWalk) and state.verify_rounds == 0
    assert state.pending and not state.complete(FULL, 3)
    assert not state.verified(set()).keyword_passed().pending


def test_a_change_is_pending_until_its_batch_ran() -> None:
    state = settle_verify_walks(run_full_scan(IndexState.opened(scanned=False))).settle()
    state = state.changed({"a.py"}).changed({"b.py"})
    assert state.pending and not state.settled and not state.complete(FULL, 3)
    assert state.keyword_due(embed_woken=False)
    state, plan = state.keyword_started().next_pass()
    assert plan == ChangeBatch(frozenset({"a.py", "b.py"})) and not state.changes
    assert state.pending  # the batch is running
    state = state.keyword_passed()
    assert not state.pending and state.complete(FULL, 3)


def test_a_due_full_scan_takes_the_pending_changes_with_it() -> None:
    state = IndexState.opened(scanned=True).changed({"a.py"}).reindexed()
    assert state.pending  # a reindex is no mere re-check
    state, plan = state.next_pass()
    assert plan == FullScan(rehash=True, recheck=False)
    assert not state.changes and not state.rehash and not state.full_scan_due


def test_an_ignore_rule_change_turns_the_batch_into_a_full_scan() -> None:
    state = run_full_scan(IndexState.opened(scanned=True)).changed({".gitignore"})
    state, _ = state.keyword_started().next_pass()
    state = state.batch_needs_full_scan().keyword_passed()
    assert state.full_scan_due and not state.recheck and state.pending
    assert state.next_pass()[1] == FullScan(rehash=False, recheck=False)


def test_verify_walks_recheck_what_changed_and_stop_after_the_last_round() -> None:
    state = run_full_scan(IndexState.opened(scanned=False))
    for round_left in range(VERIFY_ROUNDS - 1, -1, -1):
        state, plan = state.next_pass()
        assert isinstance(plan, VerifyWalk) and state.verify_rounds == round_left
        state = state.verified({"moved.py"})
        assert state.changes == {"moved.py"}
        state, plan = state.next_pass()
        assert plan == ChangeBatch(frozenset({"moved.py"}))
    assert state.verify_rounds == 0 and not state.keyword_due(embed_woken=False)


def test_a_verify_walk_waits_for_the_embedding_worker() -> None:
    state = run_full_scan(IndexState.opened(scanned=False))
    assert not state.keyword_due(embed_woken=True)
    assert not state.embedding_started().keyword_due(embed_woken=False)
    assert state.embedding_started().embedding_stopped().keyword_due(embed_woken=False)


def test_a_failed_pass_is_reported_until_a_pass_succeeds() -> None:
    state = run_full_scan(IndexState.opened(scanned=True)).keyword_started()
    state = state.keyword_failed("indexing failed: database is locked")
    assert state.failure == "indexing failed: database is locked"
    assert state.verify_rounds == 0 and not state.keyword_busy
    assert not state.complete(FULL, 3)
    assert state.settle_step(keyword_woken=False, embed_woken=False) == "settle"
    state = state.reindexed()
    assert state.failure == "" and state.full_scan_due and state.rehash
    assert run_full_scan(state).index_error == ""


def test_a_failed_model_stops_embedding_until_a_reindex() -> None:
    state = IndexState.opened(scanned=True).embedding_started()
    state = state.model_failed("embedding failed: out of memory")
    assert not state.embed_busy and state.failure == "embedding failed: out of memory"
    assert state.keyword_failed("indexing failed: x").failure == "indexing failed: x"
    assert state.reindexed().embed_error == ""


def test_the_index_waits_while_work_is_due_running_or_woken() -> None:
    idle = settle_verify_walks(run_full_scan(IndexState.opened(scanned=False)))
    assert idle.settle_step(keyword_woken=False, embed_woken=False) == "settle"
    for busy in (
        idle.keyword_started(),
        idle.embedding_started(),
        idle.changed({"a.py"}),
        idle.reindexed(),
    ):
        assert busy.settle_step(keyword_woken=False, embed_woken=False) == "wait"
    assert idle.settle_step(keyword_woken=True, embed_woken=False) == "wait"
    assert idle.settle_step(keyword_woken=False, embed_woken=True) == "wait"


def test_activity_and_totals() -> None:
    state = IndexState.opened(scanned=True)
    assert state.with_paused(True).activity() == "paused"
    assert state.with_paused(True).with_paused(False).activity() == "indexing"
    settled = state.settle()
    assert settled.activity() == "idle"
    assert settled.embedding_started().activity() == "indexing"
    assert not settled.complete(FULL, files_total=4)  # the walk found a file not indexed yet
