"""`/api/v1/rag/stats`: the index's progress model and every skipped file with its reason."""

from __future__ import annotations

from pathlib import Path

from tests.support.http_app import StartApi
from tests.support.sample_code import CALC


async def test_stats_count_and_list_skipped_files_and_show_the_progress(
    start_api: StartApi, tmp_path: Path
):
    root = tmp_path / "ws"
    (root / "node_modules").mkdir(parents=True)
    (root / "node_modules" / "dep.js").write_text("module.exports = 1;\n")
    (root / "calc.py").write_text(CALC)
    (root / ".env").write_text("OPENAI_API_KEY=sk-not-a-real-key-0123456789abcdef\n")
    (root / "blob.py").write_bytes(b"\x00\x01binary" * 100)
    (root / "huge.py").write_text("x = 1\n" * 2000)
    api = await start_api(AURO_MAX_FILE_BYTES="4096")
    await api.services.workspaces[0].index.wait_until_complete(300)

    response = await api.client.get("/api/v1/rag/stats", headers=api.auth())
    assert response.status == 200, await response.text()
    (stats,) = (await response.json())["workspaces"]
    assert stats["complete"] and stats["files_total"] == 1
    skipped = stats["skipped"]
    assert skipped["count"] == 4
    assert skipped["by_reason"] == {"binary": 1, "ignored": 1, "secret": 1, "too large": 1}
    assert {(s["path"], s["reason"]) for s in skipped["files"]} == {
        ("node_modules/", "ignored"),
        (".env", "secret"),
        ("blob.py", "binary"),
        ("huge.py", "too large"),
    }
    progress = stats["progress"]
    assert (progress["phase"], progress["percentage"], progress["unit"]) == ("done", 100, "files")
    assert progress["done"] == progress["total"] == 1
