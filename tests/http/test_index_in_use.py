"""`POST /api/v1/rag/index` for a folder whose index another process writes: a 409 JSON error
naming the holder, nothing opened; once that process is gone the same request starts a job."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from server.paths import workspace_data_path
from tests.support.http_app import StartApi

HOLD = (
    "import sys; from pathlib import Path; from server.indexing.index_lock import IndexLock; "
    "IndexLock.acquire(Path(sys.argv[1])); print('held', flush=True); sys.stdin.read()"
)


async def test_indexing_a_folder_another_process_writes_is_409(
    start_api: StartApi, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "util.py").write_text("def helper():\n    return 1\n")
    api = await start_api(AURO_INDEX_ALLOW_DIRS=str(other))
    data_dir = workspace_data_path(api.services.settings, other.resolve())
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(data_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        response = await api.client.post(
            "/api/v1/rag/index", headers=api.auth(), json={"directory_path": str(other)}
        )
        assert response.status == 409, await response.text()
        error = (await response.json())["error"]
        assert error["code"] == "index_in_use"
        assert f"in use by process {holder.pid}" in error["message"]
        assert len(api.services.workspaces) == 1  # nothing was opened for it
    finally:
        holder.communicate("", timeout=30)
    response = await api.client.post(
        "/api/v1/rag/index", headers=api.auth(), json={"directory_path": str(other)}
    )
    assert response.status == 202, await response.text()
