"""Where the server's log lines go in `auro-pai lsp` over stdio: warnings and errors on
stderr, INFO lines to the editor as `window/logMessage` (Neovim 0.7 logs every stderr line as
`[ERROR]`; issue 16). tests/editors/test_neovim.py checks the same in Neovim's lsp.log."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

from server.logs import HELD_MAX, ClientLogHandler
from tests.support.rawlsp import RawServer

INFO, WARNING = 3, 2  # LSP MessageType


def log_messages(srv: RawServer) -> list[dict[str, Any]]:
    return [n["params"] for n in srv.notifications if n["method"] == "window/logMessage"]


def test_info_reaches_the_editor_and_stderr_has_only_warnings(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "main.py").write_text("def main():\n    return 1\n")
    srv = RawServer(tmp_path / "data", LOG_LEVEL="INFO")
    try:
        params = {
            "processId": None,
            "capabilities": {},
            "rootUri": root.as_uri(),
            "initializationOptions": {"chunkSize": "invalid"},  # a warning during initialize
        }
        answer = srv.request("initialize", params, timeout=60)
        assert answer and "result" in answer, srv.stderr_tail()
        srv.notify("initialized", {})
        deadline = time.monotonic() + 30
        while not any("workspace added" in m["message"] for m in log_messages(srv)):
            assert time.monotonic() < deadline, (log_messages(srv), srv.stderr_tail())
            time.sleep(0.1)
        assert srv.close() == 0, srv.stderr_tail()
    finally:
        if srv.alive():
            srv.kill()
    messages = log_messages(srv)
    added = next(m for m in messages if "workspace added" in m["message"])
    assert added["type"] == INFO and added["message"].startswith("server.")
    # the warning logged during `initialize` was held until `initialized`, then sent
    warned = [m for m in messages if "CHUNK_SIZE" in m["message"]]
    assert warned and warned[0]["type"] == WARNING
    stderr = srv.stderr_tail(10**9)
    assert "CHUNK_SIZE" in stderr and " WARNING " in stderr  # warnings still on stderr
    assert " INFO " not in stderr, stderr[-3000:]


def test_debug_level_keeps_everything_on_stderr(tmp_path: Path) -> None:
    srv = RawServer(tmp_path / "data", LOG_LEVEL="DEBUG")
    try:
        assert srv.initialize() is not None, srv.stderr_tail()
        assert srv.close() == 0, srv.stderr_tail()
    finally:
        if srv.alive():
            srv.kill()
    stderr = srv.stderr_tail(10**9)
    assert " DEBUG " in stderr and " INFO " in stderr


async def test_held_lines_are_sent_in_order_and_overflow_is_reported() -> None:
    sent: list[tuple[int, str]] = []
    handler = ClientLogHandler(
        lambda record, text: sent.append((record.levelno, text)), asyncio.get_running_loop()
    )
    logger = logging.getLogger("server.test_log_routing")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        for i in range(HELD_MAX + 3):
            logger.info("line %d", i)
        await asyncio.sleep(0)
        assert sent == []  # nothing before the editor can take it
        handler.start_sending()
        logger.info("after")
        await asyncio.sleep(0)
    finally:
        logger.removeHandler(handler)
    assert sent[0] == (logging.WARNING, "server.logs: 3 earlier log lines were dropped")
    texts = [text for _, text in sent[1:]]
    assert texts[0] == "server.test_log_routing: line 3"
    assert texts[-2:] == [
        f"server.test_log_routing: line {HELD_MAX + 2}",
        "server.test_log_routing: after",
    ]
    assert len(texts) == HELD_MAX + 1
