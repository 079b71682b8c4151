"""Sessions: persistence across reopen, LRU eviction, expiry, concurrent writers."""

from __future__ import annotations

import asyncio
import multiprocessing
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from server.sessions import SessionLimitReached, SessionNotFound, SessionStore, Turn, as_history
from server.sessions.store import LEASE_S


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "sessions.sqlite3"


async def test_turns_survive_a_reopen(db_path):
    store = SessionStore(db_path)
    info = await store.create("Explain main")
    await store.append(info.id, Turn("user", "what does main do?"))
    usage = {"prompt_tokens": 12, "completion_tokens": 5}
    citations = [{"path": "src/app.py", "start_line": 1, "end_line": 9}]
    await store.append(
        info.id,
        Turn("assistant", "It parses args.", "completed", "llamacpp", "qwen", usage, citations),
    )
    store.close()

    reopened = SessionStore(db_path)
    turns = await reopened.history(info.id)
    sessions = await reopened.list()
    reopened.close()
    assert [t.content for t in turns] == ["what does main do?", "It parses args."]
    assert turns[1].usage == usage and turns[1].citations == citations
    assert turns[1].provider == "llamacpp" and turns[1].id is not None
    assert [(s.id, s.title, s.turn_count) for s in sessions] == [(info.id, "Explain main", 2)]


async def test_history_limit_delete_and_missing(db_path):
    store = SessionStore(db_path)
    info = await store.create()
    for i in range(5):
        await store.append(info.id, Turn("user", f"q{i}"))
    last_two = await store.history(info.id, limit=2)
    assert [t.content for t in last_two] == ["q3", "q4"]
    assert await store.delete(info.id) is True
    assert await store.delete(info.id) is False
    with pytest.raises(SessionNotFound):
        await store.history(info.id)
    with pytest.raises(SessionNotFound):
        await store.append(info.id, Turn("user", "late"))
    assert await store.get(info.id) is None
    store.close()


async def test_sessions_are_listed_per_workspace_root(db_path):
    store = SessionStore(db_path)
    mine = await store.create("in a", workspaces=["/w/a"])
    both = await store.create("in a and b", workspaces=["/w/a", "/w/b"])
    other = await store.create("in b", workspaces=["/w/b"])
    legacy = await store.create("no root")
    assert [s.id for s in await store.list("/w/a")] == [both.id, mine.id]
    assert [s.id for s in await store.list("/w/b")] == [other.id, both.id]
    assert await store.list("/w") == []  # a root, not a prefix
    assert {s.id for s in await store.list()} == {mine.id, both.id, other.id, legacy.id}
    assert (await store.get(both.id)).workspaces == ("/w/a", "/w/b")
    store.close()


def test_a_database_from_before_workspaces_gains_the_column(db_path):
    db_path.parent.mkdir(parents=True)
    old = sqlite3.connect(db_path)
    old.executescript(
        "CREATE TABLE sessions (id TEXT PRIMARY KEY, title TEXT NOT NULL, "
        "created_at REAL NOT NULL, last_used REAL NOT NULL);"
    )
    now = time.time()  # recent: expiry is checked on every read
    old.execute("INSERT INTO sessions VALUES ('old', 'kept', ?, ?)", (now, now))
    old.commit()
    old.close()

    async def check() -> None:
        store = SessionStore(db_path)
        assert [(s.id, s.title, s.workspaces) for s in await store.list()] == [("old", "kept", ())]
        assert await store.list("/w/a") == []
        store.close()

    asyncio.run(check())


async def test_lru_eviction_keeps_the_recently_used(db_path):
    clock = Clock()
    store = SessionStore(db_path, max_sessions=2, clock=clock)
    first = await store.create("first")
    clock.now += 1
    second = await store.create("second")
    clock.now += 1
    await store.append(first.id, Turn("user", "still using the first"))
    clock.now += 1
    third = await store.create("third")
    ids = [s.id for s in await store.list()]
    store.close()
    assert ids == [third.id, first.id], "second was least recently used"
    assert second.id not in ids


async def test_sweep_expires_idle_sessions(db_path):
    clock = Clock()
    store = SessionStore(db_path, session_timeout=100, clock=clock)
    idle = await store.create("idle")
    clock.now += 60
    active = await store.create("active")
    clock.now += 50
    assert await store.sweep() == 1
    remaining = [s.id for s in await store.list()]
    store.close()
    assert remaining == [active.id] and idle.id not in remaining


async def test_periodic_sweeper_runs_in_the_background(db_path):
    clock = Clock()
    store = SessionStore(db_path, session_timeout=10, clock=clock)
    await store.create()
    clock.now += 11
    task = asyncio.create_task(store.run_sweeper(interval=0.01))
    for _ in range(100):
        if not await store.list():
            break
        await asyncio.sleep(0.01)
    task.cancel()
    remaining = await store.list()
    store.close()
    assert remaining == []


async def test_an_expired_session_is_gone_on_read_before_any_sweep(db_path):
    clock = Clock()
    store = SessionStore(db_path, session_timeout=8, clock=clock)
    info = await store.create("idle")
    await store.append(info.id, Turn("user", "hello"))
    clock.now += 9
    assert await store.get(info.id) is None
    assert await store.list() == []
    with pytest.raises(SessionNotFound):
        await store.history(info.id)
    with pytest.raises(SessionNotFound):
        await store.append(info.id, Turn("user", "late"))
    with pytest.raises(SessionNotFound):
        async with store.turn(info.id):
            pass
    assert await store.delete(info.id) is False
    store.close()


async def test_a_pinned_session_is_neither_evicted_nor_expired(db_path):
    clock = Clock()
    store = SessionStore(db_path, max_sessions=2, session_timeout=10, clock=clock)
    async with store.turn(None, "busy") as busy:
        for title in ("a", "b", "c"):
            clock.now += 1
            await store.create(title)
        clock.now += 60  # the turn outlives the timeout
        assert await store.sweep() == 1  # "c" expires ("a", "b" were evicted), "busy" stays
        assert [s.id for s in await store.list()] == [busy.id]
        await store.append(busy.id, Turn("assistant", "done at last"))
    clock.now += 11
    assert await store.get(busy.id) is None, "expires like any other once the turn ended"
    store.close()


async def test_no_room_when_every_session_has_a_turn_in_flight(db_path):
    store = SessionStore(db_path, max_sessions=2)
    async with store.turn(None) as first, store.turn(None) as second:
        with pytest.raises(SessionLimitReached):
            await store.create("third")
        with pytest.raises(SessionLimitReached):
            async with store.turn("fourth", create=True):
                pass
        assert {s.id for s in await store.list()} == {first.id, second.id}
    assert (await store.create("third")).title == "third"
    store.close()


async def test_concurrent_first_use_of_one_id_is_one_session(db_path):
    store = SessionStore(db_path)

    async def use() -> str:
        async with store.turn("shared", "t", create=True) as info:
            await store.append(info.id, Turn("user", "hi"))
            return info.id

    assert await asyncio.gather(*(use() for _ in range(8))) == ["shared"] * 8
    assert len(await store.history("shared")) == 8
    with pytest.raises(SessionNotFound):
        async with store.turn("not-yet"):
            pass
    store.close()


def _pin_then_die(path: str, session_id: str) -> None:
    """Pin a session for a turn, then die mid-turn like kill -9 would."""
    import os

    async def run() -> None:
        store = SessionStore(Path(path), max_sessions=1)
        async with store.turn(session_id):
            os._exit(0)

    asyncio.run(run())


def test_another_process_honours_a_pin_until_its_lease_runs_out(db_path):
    clock = Clock()
    clock.now = time.time()
    store = SessionStore(db_path, max_sessions=1, clock=clock)
    session_id = asyncio.run(store.create("theirs")).id
    worker = multiprocessing.get_context("spawn").Process(
        target=_pin_then_die, args=(str(db_path), session_id)
    )
    worker.start()
    worker.join(60)
    with pytest.raises(SessionLimitReached):
        asyncio.run(store.create("mine"))  # their pin still holds the only place
    clock.now = time.time() + LEASE_S + 1  # the dead process never renewed it
    mine = asyncio.run(store.create("mine"))
    assert [s.id for s in asyncio.run(store.list())] == [mine.id]
    store.close()


def test_concurrent_writers_from_threads(db_path):
    SessionStore(db_path).close()
    setup = SessionStore(db_path)
    session_id = asyncio.run(setup.create("shared")).id
    setup.close()

    def writer(tag: str) -> None:
        store = SessionStore(db_path)
        for i in range(25):
            asyncio.run(store.append(session_id, Turn("user", f"{tag}{i}")))
        store.close()

    threads = [threading.Thread(target=writer, args=(tag,)) for tag in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    store = SessionStore(db_path)
    turns = asyncio.run(store.history(session_id))
    store.close()
    assert len(turns) == 50
    assert sorted(t.content for t in turns) == sorted(f"{t}{i}" for t in "ab" for i in range(25))


def _process_writer(path: str, session_id: str, tag: str) -> None:
    store = SessionStore(Path(path))
    for i in range(20):
        asyncio.run(store.append(session_id, Turn("user", f"{tag}{i}")))
    store.close()


def test_concurrent_writers_from_processes(db_path):
    store = SessionStore(db_path)
    session_id = asyncio.run(store.create("shared")).id
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_process_writer, args=(str(db_path), session_id, tag))
        for tag in "xy"
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    turns = asyncio.run(store.history(session_id))
    store.close()
    assert all(worker.exitcode == 0 for worker in workers)
    assert len(turns) == 40


def _append_then_die(path: str, session_id: str) -> None:
    """Append one turn, then die like kill -9 would: no cleanup, no close."""
    import os

    store = SessionStore(Path(path))
    asyncio.run(store.append(session_id, Turn("assistant", "durable answer")))
    os._exit(0)


def test_completed_turn_is_durable_when_the_process_dies(db_path):
    store = SessionStore(db_path)
    session_id = asyncio.run(store.create()).id
    store.close()
    worker = multiprocessing.get_context("spawn").Process(
        target=_append_then_die, args=(str(db_path), session_id)
    )
    worker.start()
    worker.join(60)
    reopened = SessionStore(db_path)
    turns = asyncio.run(reopened.history(session_id))
    reopened.close()
    assert [t.content for t in turns] == ["durable answer"]


def test_history_replays_only_completed_exchanges():
    turns = [
        Turn("user", "q1"),
        Turn("assistant", "a1"),
        Turn("user", "q2"),
        Turn("assistant", "partial", status="cancelled"),
        Turn("user", "q3"),
        Turn("assistant", "", status="error"),
        Turn("user", "q4"),
    ]
    assert [(m.role, m.text()) for m in as_history(turns)] == [("user", "q1"), ("assistant", "a1")]
