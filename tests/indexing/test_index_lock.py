"""One writer per index data folder: a second open (another process, or this one) refuses
with `IndexInUse` before it writes anything, and the lock is free again after `close`."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from server.config import Settings
from server.indexing.index_lock import IndexInUse, IndexLock
from server.indexing.indexer import WorkspaceIndex
from tests.indexing.counting_embedder import CountingEmbedder
from tests.indexing.fixture_repo import make_repo

HOLD = (
    "import sys; from pathlib import Path; from server.indexing.index_lock import IndexLock; "
    "IndexLock.acquire(Path(sys.argv[1])); print('held', flush=True); sys.stdin.read()"
)


def test_a_lock_held_by_another_process_is_refused_until_that_process_ends(
    tmp_path: Path,
) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(IndexInUse) as refused:
            IndexLock.acquire(tmp_path, grace_s=0.3)
        assert refused.value.holder == str(holder.pid)
        assert f"in use by process {holder.pid}" in str(refused.value)
    finally:
        holder.communicate("", timeout=30)  # stdin closed: the holder exits
    IndexLock.acquire(tmp_path).release()  # its death released the lock


def test_a_holder_that_exits_within_the_grace_hands_the_lock_over(tmp_path: Path) -> None:
    """An editor restarting its language server: the new one waits for the old one."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    with pytest.raises(IndexInUse):
        IndexLock.acquire(tmp_path, grace_s=0)
    closing = threading.Timer(0.5, holder.communicate, ("",))  # exits half a second later
    closing.start()
    try:
        IndexLock.acquire(tmp_path, grace_s=30).release()
    finally:
        closing.join()
    assert holder.returncode == 0


async def test_a_second_open_of_one_data_dir_refuses_before_writing(
    tmp_path: Path, settings: Settings, embedder: CountingEmbedder
) -> None:
    root = make_repo(tmp_path / "repo")
    first = await WorkspaceIndex.open(root, settings.data_dir, settings, embedder)
    try:
        assert (await first.wait_until_complete(120)).complete
        before = files_of(settings.data_dir)
        with pytest.raises(IndexInUse):
            await WorkspaceIndex.open(root, settings.data_dir, settings, embedder)
        assert files_of(settings.data_dir) == before  # not a byte written
        response = await first.search("parse the http response")
        assert response.complete and response.results  # the holder is undisturbed
    finally:
        await first.close()
    again = await WorkspaceIndex.open(root, settings.data_dir, settings, embedder)
    await again.close()


def files_of(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(path): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in folder.rglob("*")
        if path.is_file()
    }
