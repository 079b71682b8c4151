"""One bad file never fails an indexing pass; a pass that does fail says so.

A name that is not valid UTF-8 (`caf\\xe9.py`, made from bytes) reached the tokenizer and
stopped the whole pass, reported as done. The whole-pass failure here is real too: another
connection holds the catalog's write lock, so the pass's first write times out.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from server.config import Settings
from server.http.app import AUTH, create_app
from server.indexing import keyword_scan
from server.indexing.indexer import WorkspaceIndex
from server.indexing.progress import ProgressEvent
from server.indexing.progress_reporter import ProgressListener
from tests.http.conftest import open_services
from tests.indexing.conftest import CountingEmbedder

TIMEOUT = 120
BAD_NAME = b"caf\xe9.py"
SHOWN = "caf\\xe9.py (file name is not valid UTF-8)"


def write_bytes_name(root: Path, name: bytes, content: bytes) -> None:
    """Create `root/name` through the bytes API: `name` need not decode."""
    fd = os.open(os.path.join(os.fsencode(root), name), os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        os.write(fd, content)
    finally:
        os.close(fd)


def tree_with_bad_name(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "good.py").write_text("def good_function():\n    return 'fine'\n")
    (root / "also_good.md").write_text("# Notes\n\nThe good function returns fine.\n")
    # written last: the newest file is indexed first, so the pass meets it first
    write_bytes_name(root, BAD_NAME, b"def cafe_special():\n    return 'latte'\n")
    return root


@contextmanager
def write_lock(db: Path) -> Iterator[sqlite3.Connection]:
    """Hold the catalog's write lock (readers go on, writers time out)."""
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield holder
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def lock_when_scanning(data_dir: Path) -> tuple[ProgressListener, Callable[[], None]]:
    """A progress listener that takes the write lock when the next pass begins (once), and
    the release."""
    held: list[sqlite3.Connection] = []
    taken = False

    def on_event(event: ProgressEvent) -> None:
        nonlocal taken
        if event.kind == "begin" and not taken:
            taken = True
            holder = sqlite3.connect(data_dir / "index.sqlite3", isolation_level=None)
            holder.execute("BEGIN IMMEDIATE")
            held.append(holder)

    def release() -> None:
        while held:
            holder = held.pop()
            holder.execute("ROLLBACK")
            holder.close()

    return on_event, release


async def test_a_name_that_is_not_utf8_is_skipped_and_named(
    tmp_path: Path, settings: Settings, embedder: CountingEmbedder
) -> None:
    root = tree_with_bad_name(tmp_path / "repo")
    index = await WorkspaceIndex.open(root, settings.data_dir, settings, embedder)
    try:
        status = await index.wait_until_complete(TIMEOUT)
        assert index.failure == ""
        assert status.complete and status.files_embedded == 2
        assert set(index.catalog.files()) == {"good.py", "also_good.md"}
        assert [w for w in status.warnings if SHOWN in w] == [f"1 file(s) not indexed: {SHOWN}"]
        assert (await index.consistency_report()).ok
        assert (await index.search("good function")).results[0].path == "good.py"
        write_bytes_name(root, b"na\xefve.py", b"def naive():\n    return 1\n")
        index.notify_changed([os.fsdecode(os.path.join(os.fsencode(root), b"na\xefve.py"))])
        for _ in range(100):  # a change batch, as a watcher or the editor reports it
            await asyncio.sleep(0.1)
            if any("na\\xefve.py" in w for w in index.status().warnings):
                break
        status = await index.wait_until_complete(TIMEOUT)
        assert f"2 file(s) not indexed: {SHOWN}, na\\xefve.py (file name" in "".join(
            status.warnings
        )
        assert index.failure == "" and status.complete
        (root / "good.py").write_text("def renamed_function():\n    return 'fine'\n")
        for name in (BAD_NAME, b"na\xefve.py"):
            os.unlink(os.path.join(os.fsencode(root), name))
        await index.reindex()
        status = await index.wait_until_complete(TIMEOUT)
        assert status.complete and not any("not indexed" in w for w in status.warnings)
        assert index.symbols("renamed_function")
    finally:
        await index.close()


async def test_a_file_whose_chunker_raises_does_not_stop_the_pass(
    tmp_path: Path, settings: Settings, embedder: CountingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    for i in range(6):
        (root / f"module_{i}.py").write_text(f"def function_{i}():\n    return {i}\n")
    real_chunk_file = keyword_scan.chunk_file

    def chunk_file(path: str, text: str, **kwargs: object) -> list:
        if path == "module_3.py":
            raise RuntimeError("grammar exploded")
        return real_chunk_file(path, text, **kwargs)

    monkeypatch.setattr(keyword_scan, "chunk_file", chunk_file)
    index = await WorkspaceIndex.open(root, settings.data_dir, settings, embedder)
    try:
        status = await index.wait_until_complete(TIMEOUT)
        assert index.failure == "" and status.complete
        assert set(index.catalog.files()) == {f"module_{i}.py" for i in (0, 1, 2, 4, 5)}
        assert "module_3.py (chunking failed: RuntimeError: grammar exploded)" in "".join(
            status.warnings
        )
    finally:
        await index.close()


async def test_a_failed_pass_is_reported_until_a_pass_succeeds(
    tmp_path: Path, settings: Settings, embedder: CountingEmbedder
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "one.py").write_text("def one():\n    return 1\n")
    on_event, release = lock_when_scanning(settings.data_dir)
    index = await WorkspaceIndex.open(
        root, settings.data_dir, settings, embedder, listeners=[on_event]
    )
    try:
        status = await index.wait_until_complete(TIMEOUT)
        assert "database is locked" in index.failure
        assert not status.complete
        assert any("indexing failed" in w for w in status.warnings)
        assert index.health()["index"].status == "degraded"
        release()
        await index.reindex()
        status = await index.wait_until_complete(TIMEOUT)
        assert index.failure == "" and status.complete and status.files_embedded == 1
    finally:
        release()
        await index.close()


def run_cli(root: Path, data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AURO_")}
    env.update(
        AURO_DATA_DIR=str(data),
        AURO_WATCH_FILES="false",
        AURO_EMBEDDING_BACKEND="torch",  # no ONNX export into a fresh data dir
        ANONYMIZED_TELEMETRY="False",
    )
    return subprocess.run(
        [sys.executable, "-m", "server.cli", "index", *args, str(root)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def test_cli_indexes_the_good_files_and_names_the_bad_name(tmp_path: Path) -> None:
    root = tree_with_bad_name(tmp_path / "repo")
    proc = run_cli(root, tmp_path / "data")
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "indexed 2 files" in proc.stdout
    assert f"warning: 1 file(s) not indexed: {SHOWN}" in proc.stdout
    assert "indexing failed" not in proc.stdout + proc.stderr


def test_cli_exits_1_when_the_index_cannot_be_written(tmp_path: Path) -> None:
    root = tree_with_bad_name(tmp_path / "repo")
    data = tmp_path / "data"
    assert run_cli(root, data).returncode == 0
    (db,) = data.rglob("index.sqlite3")
    (root / "good.py").write_text("def changed():\n    return 'changed'\n")
    with write_lock(db):
        proc = run_cli(root, data)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "error:" in proc.stderr and "database is locked" in proc.stderr


async def job_result(client: TestClient, headers: dict[str, str], directory: Path) -> dict:
    """POST a (re)index job for `directory`, then poll it until it is no longer running."""
    started = await client.post(
        "/api/v1/rag/index", json={"directory_path": str(directory)}, headers=headers
    )
    assert started.status == 202, await started.text()
    job_id = (await started.json())["job_id"]
    for _ in range(TIMEOUT * 10):
        job = await (await client.get(f"/api/v1/rag/index/{job_id}", headers=headers)).json()
        if job["state"] != "running":
            return job
        await asyncio.sleep(0.1)
    raise AssertionError(f"job {job_id} still running")


async def test_index_job_is_done_around_a_bad_name_and_failed_when_its_pass_fails(
    tmp_path: Path,
) -> None:
    services = await open_services(tmp_path, AURO_EMBEDDING_BACKEND="torch")
    app = create_app(services)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        headers = {"Authorization": f"Bearer {app[AUTH].primary()}"}
        (workspace,) = services.workspaces
        root = tree_with_bad_name(workspace.root / "pkg")
        done = await job_result(client, headers, root)
        assert (done["state"], done["error"]) == ("done", None), done
        assert done["status"]["complete"] and done["status"]["files_embedded"] == 2
        assert f"1 file(s) not indexed: pkg/{SHOWN}" in done["status"]["warnings"]

        on_event, release = lock_when_scanning(workspace.index.data_dir)
        workspace.index.add_progress_listener(on_event)
        try:
            failed = await job_result(client, headers, root)
        finally:
            release()
        assert failed["state"] == "failed", failed
        assert "database is locked" in failed["error"]
        assert not failed["status"]["complete"]
    finally:
        await client.close()
        await services.close()
