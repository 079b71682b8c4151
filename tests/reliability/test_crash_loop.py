"""Crash loop: kill -9 the real LSP server while it indexes and while chat turns are written.

Each round starts `auro-pai lsp` on a changed tree (so it indexes), streams chat turns
against the fake LLM (a separate process), and SIGKILLs the server at a random moment.
After every kill: the index passes `python -m server.indexing.build ROOT --data-dir D
--check`, and every turn whose response the client received is in the session history.
Smoke: 3 kills; full (`-m long`): 20.
"""

from __future__ import annotations

import os
import random
import threading
import time
from pathlib import Path

import pytest

from server.sessions.store import SessionStore
from tests.indexing.crash_tree import make_tree, mutate
from tests.reliability.figures import record
from tests.reliability.processes import FakeLLMProcess, check_index
from tests.support.rawlsp import RawServer, frame

SESSION = "crash-loop-session"


def chat_until_killed(
    srv: RawServer, completed: list[str], tag: str, stop: threading.Event
) -> None:
    turn = 0
    while not stop.is_set() and srv.alive():
        message = f"question {tag}-{turn}"
        msg_id = srv.new_id()
        srv.send(
            frame(
                {
                    "jsonrpc": "2.0",
                    "id": msg_id,
                    "method": "auro/chat",
                    "params": {"message": message, "sessionId": SESSION, "includeRag": False},
                }
            )
        )
        answer = srv.wait_response(msg_id, 30)
        if answer is None:
            return
        if answer.get("result", {}).get("status") == "completed":
            completed.append(message)
        turn += 1


def run_crash_loop(tmp_path: Path, kills: int) -> None:
    seed = int(os.environ.get("AURO_CRASH_SEED", time.time_ns() % 100_000))
    rng = random.Random(seed)
    root, data = tmp_path / "repo", tmp_path / "data"
    make_tree(root, files=40)
    fake = FakeLLMProcess()
    completed: list[str] = []
    moments: list[float] = []
    checks = 0
    try:
        for step in range(kills):
            srv = RawServer(
                data,
                OPENAI_BASE_URL=f"{fake.url}/v1",
                OPENAI_API_KEY="test",
                AURO_LLM_PROVIDERS="openai",
                AURO_LLM_MAX_RETRIES="0",
            )
            answer = srv.initialize(root)
            assert answer and "result" in answer, srv.stderr_tail()
            stop = threading.Event()
            chatter = threading.Thread(
                target=chat_until_killed, args=(srv, completed, f"{step}", stop), daemon=True
            )
            chatter.start()
            moment = rng.uniform(0.3, 6.0)
            moments.append(moment)
            time.sleep(moment)
            srv.kill()  # SIGKILL
            stop.set()
            chatter.join(35)
            status = [n for n in srv.notifications if n.get("method") == "auro/status"]
            data_dir = (
                Path(status[-1]["params"]["workspaces"][0]["dataDir"])
                if status and status[-1]["params"]["workspaces"]
                else None
            )
            if data_dir is not None and (data_dir / "index.sqlite3").exists():
                report = check_index(root, data_dir)
                assert report["ok"], f"seed {seed}, kill {step} at {moment:.2f}s: {report}"
                checks += 1
            store = SessionStore(data / "sessions.sqlite3")
            try:
                stored = (
                    {t.content for t in store._history(SESSION, None) if t.role == "user"}
                    if (store._get(SESSION) is not None)
                    else set()
                )
                n_assistant = (
                    sum(t.role == "assistant" for t in store._history(SESSION, None))
                    if store._get(SESSION) is not None
                    else 0
                )
            finally:
                store.close()
            missing = [m for m in completed if m not in stored]
            assert not missing, f"seed {seed}, kill {step}: completed turns lost: {missing}"
            assert n_assistant >= len(completed)
            mutate(root, rng, step)
    finally:
        fake.stop()
    assert checks >= kills - 1, "the index was checked after (nearly) every kill"
    record(
        "crash_loop",
        {
            "kills": kills,
            "seed": seed,
            "completed_turns_checked": len(completed),
            "index_checks": checks,
            "index_inconsistent": 0,
            "lost_turns": 0,
            "kill_moments_s": [round(m, 2) for m in moments],
        },
    )


def test_crash_loop_smoke(tmp_path: Path) -> None:
    run_crash_loop(tmp_path, 3)


@pytest.mark.long
@pytest.mark.timeout(1800)
def test_crash_loop_full(tmp_path: Path) -> None:
    run_crash_loop(tmp_path, 20)
