"""Many file events become one debounced batch."""

from __future__ import annotations

import asyncio
from pathlib import Path

from server.config import Settings
from server.indexing.discovery import Discovery
from server.indexing.watcher import Debouncer, Watcher


async def test_debouncer_coalesces_a_burst() -> None:
    batches: list[set[str]] = []
    debouncer = Debouncer(asyncio.get_running_loop(), 0.05, batches.append)
    for i in range(1000):
        debouncer.add([f"f{i % 600}.py"])
    await asyncio.sleep(0.2)
    assert len(batches) == 1 and len(batches[0]) == 600
    debouncer.add(["late.py"])
    await asyncio.sleep(0.2)
    assert batches[1] == {"late.py"}


async def test_debouncer_flushes_a_steady_stream() -> None:
    batches: list[set[str]] = []
    debouncer = Debouncer(asyncio.get_running_loop(), 0.03, batches.append)
    for i in range(40):  # 0.4 s of events every 10 ms, never quiet for 30 ms
        debouncer.add([f"f{i}.py"])
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.1)
    assert len(batches) >= 2 and sum(len(b) for b in batches) == 40


async def test_watcher_turns_a_branch_switch_into_one_batch(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    batches: list[set[str]] = []
    debouncer = Debouncer(asyncio.get_running_loop(), 0.3, batches.append)
    watcher = Watcher(tmp_path, Discovery(tmp_path, Settings.model_construct()), debouncer)
    watcher.start()
    try:
        await asyncio.sleep(0.2)
        for i in range(200):
            (tmp_path / f"m{i}.py").write_text(f"x = {i}\n")
            (tmp_path / ".git" / f"obj{i}").write_text("noise")
        await asyncio.sleep(1.0)
    finally:
        watcher.stop()
    assert len(batches) == 1
    assert batches[0] == {f"m{i}.py" for i in range(200)}
