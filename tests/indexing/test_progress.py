"""The one progress model: every long phase is reported, in order, at least once a second,
with counts that only grow; skipped files are counted and listed with their reason."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

from server.config import Settings
from server.indexing.indexer import WorkspaceIndex
from server.indexing.progress import (
    IndexStatus,
    Progress,
    ProgressEvent,
    Skipped,
    SkippedFile,
)
from server.indexing.progress_reporter import HEARTBEAT_S, ProgressReporter
from server.indexing.torch_embedder import SentenceTransformerEmbedder
from tests.indexing.fixture_repo import make_repo
from tests.indexing.running import TIMEOUT

ORDER = ["scanning", "keyword", "loading_model", "embedding", "done"]
# Reports come every HEARTBEAT_S (1 s). The rest is slack for a busy machine: importing
# torch in the loading thread holds the GIL for stretches (measured gaps up to 2.5 s at a
# load average of 14 on 2 cores).
MAX_GAP_S = 3.0


async def test_each_phase_moves_in_order_until_done(tmp_path: Path, settings: Settings):
    repo = make_repo(tmp_path / "repo")
    for i in range(12):  # enough chunks for several batches
        (repo / f"mod_{i}.py").write_text(
            "".join(f"def function_{i}_{j}(x):\n    return x * {j}\n\n\n" for j in range(12))
        )
    (repo / "blob.py").write_bytes(b"\x00binary" * 50)
    embedder = SentenceTransformerEmbedder()  # not loaded yet: loading is a phase of its own
    events: list[tuple[float, ProgressEvent]] = []
    loop = asyncio.get_running_loop()
    index = await WorkspaceIndex.open(
        repo,
        settings.data_dir,
        settings,
        embedder,
        batch_size=16,
        listeners=[lambda event: events.append((loop.time(), event))],
    )
    try:
        status = await index.wait_until_complete(TIMEOUT)
    finally:
        await index.close()
    assert status.complete
    phases = [event.progress.phase for _, event in events]
    seen = list(dict.fromkeys(phases))
    assert seen == sorted(seen, key=ORDER.index), seen
    assert {"keyword", "loading_model", "embedding"} <= set(seen) and phases[-1] == "done"
    assert events[0][1].kind == "begin" and events[-1][1].kind == "end"
    gaps = [
        (later - earlier, event.progress.phase)
        for (earlier, event), (later, _) in itertools.pairwise(events)
    ]
    assert max(gaps)[0] <= MAX_GAP_S, sorted(gaps)[-5:]

    loading = [e.progress for _, e in events if e.progress.phase == "loading_model"]
    assert all(p.detail == "torch" and p.total is None for p in loading), loading
    for phase, unit in (("keyword", "files"), ("embedding", "chunks")):
        shown = [e.progress for _, e in events if e.progress.phase == phase]
        assert all(p.unit == unit and p.total is not None for p in shown)
        done = [p.done for p in shown]
        assert done == sorted(done) and all(p.done <= (p.total or 0) for p in shown)
    embedding = [e.progress for _, e in events if e.progress.phase == "embedding"]
    assert len({p.done for p in embedding}) > 1, "embedding moves while it runs"
    final = events[-1][1].progress
    assert final.done == final.total == status.files_total

    reasons = {(s.path, s.reason) for s in status.skipped.files}
    assert reasons == {(".env", "secret"), ("ignored/", "ignored"), ("blob.py", "binary")}
    assert status.to_json()["skipped"]["by_reason"] == {"binary": 1, "ignored": 1, "secret": 1}


def _status(phase: str = "keyword") -> IndexStatus:
    progress = Progress("keyword", "", 1, 3, "files", 0.0, None, 0.0)
    return IndexStatus(3, 1, 0, 0, 0, "indexing", "keyword", 0.0, None, False, (), progress)


async def test_reports_keep_coming_while_nothing_countable_moves():
    events: list[ProgressEvent] = []
    reporter = ProgressReporter(_status, lambda: "keyword")
    reporter.add_listener(events.append)
    reporter.begin()
    await asyncio.sleep(HEARTBEAT_S * 2.6)
    reporter.end()
    kinds = [e.kind for e in events]
    assert kinds[0] == "begin" and kinds[-1] == "end"
    assert kinds.count("report") >= 2, kinds


def test_skipped_files_are_counted_by_reason_and_described():
    skipped = Skipped.of(
        {
            "a.bin": SkippedFile("a.bin", "binary", ""),
            "node_modules/": SkippedFile("node_modules/", "ignored", "default exclude"),
            "b.py": SkippedFile("b.py", "too large", "2000000 bytes"),
        }
    )
    assert skipped.count == 3 and skipped.by_reason == {"binary": 1, "ignored": 1, "too large": 1}
    assert skipped.summary() == "3 skipped: 1 binary, 1 ignored, 1 too large"
    assert Progress("embedding", "", 5, 10, "chunks", 2.5, 2.0, 3.0).describe() == (
        "embedding: 5/10 chunks, 2.5 chunks/s, ETA 2s"
    )
    loading = Progress("loading_model", "torch", 0, None, "", 0.0, None, 4.2)
    assert loading.describe() == "loading model: torch, 4s"
    assert loading.details() == "torch, 4s"  # where a title names the phase
