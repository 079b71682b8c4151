"""End to end: the web UI's index status in headless Chromium over a real indexing run in a
real sidecar (create_app on 127.0.0.1): each phase of server/indexing/progress.py shows by
its readable label. The run is held before embedding (`pause`, the same control the editors
use), so the embedding label is seen for sure; loading the model takes seconds on any
machine, so its label is seen too."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

import pytest
from aiohttp import web

from server.http.app import AUTH, create_app
from server.indexing.progress import Phase
from tests.editors.browser import NEEDS_CHROMIUM, chrome, until
from tests.support.http_app import open_services
from tests.support.sample_code import CALC, GEOMETRY

pytestmark = [*NEEDS_CHROMIUM, pytest.mark.timeout(300)]

# The readable label of each phase of server/indexing/progress.py, as the header shows it.
PHASE_LABELS = {
    "scanning": "scanning files",
    "keyword": "keyword index",
    "loading_model": "loading the embedding model",
    "embedding": "embedding",
    "done": "done",
}
LABELS_JS = """
var done = arguments[arguments.length - 1];
import("/ui/status.js").then(function (m) { done(m.PHASE_LABELS); });
"""
STATUS_JS = """
var box = document.getElementById("index-status");
return [box.textContent, box.dataset.complete === "true"];
"""


def drive_index_run(url: str, token: str, profile: Path, resume: Callable[[], None]) -> dict:
    """The header's index status while indexing is paused, then through the rest of the
    run (loading the model, embedding) until complete: every distinct text it showed."""
    os.environ.setdefault("SE_OFFLINE", "true")
    driver = chrome(profile)
    texts: list[str] = []

    def complete(d: Any) -> bool:
        """Records the text shown (read with its completeness in one step)."""
        text, done = d.execute_script(STATUS_JS)
        if text and (not texts or texts[-1] != text):
            texts.append(text)
        return done

    try:
        driver.get(f"{url}/#token={token}")
        until(
            driver,
            lambda d: not complete(d) and texts and "paused (embedding 0/" in texts[-1],
            "the paused index",
        )
        paused = texts[-1]
        labels = driver.execute_async_script(LABELS_JS)
        resume()
        until(driver, complete, "the complete index", timeout=180)
        return {"paused": paused, "texts": texts, "labels": labels}
    finally:
        driver.quit()


async def test_index_phase_labels_in_chromium(tmp_path: Path):
    """A real indexing run, held before embedding, then let go: the header names each phase
    it passes through by its readable label, and no phase once complete."""
    root = tmp_path / "ws"  # the workspace open_services opens
    root.mkdir()
    (root / "calc.py").write_text(CALC)
    (root / "geometry.py").write_text(GEOMETRY)
    # torch loads in seconds; the default ONNX backend would export the model first
    services = await open_services(tmp_path, AURO_EMBEDDING_BACKEND="torch")
    index = services.workspaces[0].index
    index.pause()  # embedding waits; the keyword pass still runs
    app = create_app(services)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    loop = asyncio.get_running_loop()
    try:
        seen = await asyncio.to_thread(
            drive_index_run,
            url,
            app[AUTH].primary() or "",
            tmp_path / "chromium-profile",
            lambda: loop.call_soon_threadsafe(index.resume),
        )
        status = index.status()
    finally:
        await runner.cleanup()
        await services.close()

    # the UI has a label for every phase the index reports, and these are they
    assert set(seen["labels"]) == set(get_args(Phase))
    assert seen["labels"] == PHASE_LABELS
    chunks = status.chunks
    assert seen["paused"] == (
        f"index \u2014 ws: paused (embedding 0/{chunks} chunks), 2/2 files, 0 embedded, "
        f"{chunks} chunks"
    )
    texts = seen["texts"]
    # the phases after `resume` (model load, embedding) last as long as the model takes to
    # load, which an earlier test in the process may have done: whichever the page's 2 s
    # poll caught must be shown by its label
    shown = [m.group(1) for t in texts if (m := re.search(r"ws: \w+ \(([^,)]+)", t))]
    assert shown and all(
        any(
            label == PHASE_LABELS[p] or label.startswith(PHASE_LABELS[p] + " ")
            for p in PHASE_LABELS
        )
        for label in shown
    ), shown
    assert "loading_model" not in "\n".join(texts)  # the id never shows, only its label
    assert re.fullmatch(
        rf"index \u2014 ws: (idle|indexing), 2/2 files, 2 embedded, {chunks} chunks", texts[-1]
    ), texts
    assert status.complete and chunks > 0
