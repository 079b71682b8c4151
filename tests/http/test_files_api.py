"""`GET /api/v1/files`: a workspace file's text for the web UI's code view, confined to the
roots and to what the index may read (secrets, ignored, oversized and binary files refused)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.support.http_app import Api, StartApi

CODE = "def add(a, b):\n    return a + b\n\n\ndef divide(a, b):\n    return a / b\n"


async def started(start_api: StartApi, **env: str) -> tuple[Api, Path]:
    """The API over an empty workspace, then files written (the watcher is off, so they are
    read from disk by the endpoint without ever being indexed)."""
    api = await start_api(**env)
    workspace = api.services.workspaces[0]
    await workspace.index.wait_until_complete()
    root = workspace.root
    (root / "pkg").mkdir()
    (root / "pkg" / "calc.py").write_text(CODE)
    (root / ".env").write_text("OPENAI_API_KEY=sk-live-secret\n")
    (root / ".ssh").mkdir()
    (root / ".ssh" / "config").write_text("Host *\n")
    (root / "node_modules").mkdir()
    (root / "node_modules" / "lib.js").write_text("x = 1\n")
    (root / "blob.bin").write_bytes(b"\x00\x01\x02 not text")
    (root / "latin1.txt").write_bytes("caf\xe9\n".encode("latin-1"))
    (root / "big.txt").write_text("x" * 5000)
    (root / "env-link.txt").symlink_to(root / ".env")
    outside = root.parent / "outside.txt"
    outside.write_text("not in the workspace\n")
    (root / "escape.txt").symlink_to(outside)
    (root / "loop.txt").symlink_to(root / "loop.txt")
    os.link(root / ".env", root / "env-copy.txt")  # a hard link: no rule sees its other name
    return api, root


async def get(api: Api, path: str) -> tuple[int, dict]:
    response = await api.client.get("/api/v1/files", params={"path": path}, headers=api.auth())
    return response.status, await response.json()


async def test_reads_a_file_by_absolute_or_relative_path(start_api: StartApi) -> None:
    api, root = await started(start_api)
    for asked in (str(root / "pkg" / "calc.py"), "pkg/calc.py", str(root / "pkg/../pkg/calc.py")):
        status, body = await get(api, asked)
        assert status == 200, (asked, body)
        assert body == {
            "root": str(root),
            "path": "pkg/calc.py",
            "language": "python",
            "size": len(CODE),
            "line_count": 6,
            "text": CODE,
        }
    response = await api.client.get("/api/v1/files", params={"path": "pkg/calc.py"})
    assert response.status == 401  # the token is needed like everywhere else


async def test_refuses_secrets_excluded_and_outside_paths(start_api: StartApi) -> None:
    api, root = await started(start_api, AURO_MAX_FILE_BYTES="4096")
    expected = {
        ".env": (403, "secret_file"),
        str(root / ".env"): (403, "secret_file"),
        ".ssh/config": (403, "secret_file"),
        "env-link.txt": (403, "secret_file"),  # a link to a secret is the secret
        "env-copy.txt": (403, "secret_file"),  # so is a hard link
        "node_modules/lib.js": (403, "excluded_file"),
        "../outside.txt": (403, "outside_workspace"),
        str(root.parent / "outside.txt"): (403, "outside_workspace"),
        "/etc/passwd": (403, "outside_workspace"),
        "escape.txt": (403, "outside_workspace"),  # a link leaving the root
        "missing.py": (404, "not_found"),
        "pkg": (404, "not_found"),
        "big.txt": (413, "file_too_large"),
        "blob.bin": (415, "not_text"),
        "latin1.txt": (415, "not_text"),
        "loop.txt": (404, "not_found"),  # a symlink to itself
        "a" * 300 + ".py": (404, "not_found"),  # a name longer than the file system allows
    }
    for asked, (status, code) in expected.items():
        got_status, body = await get(api, asked)
        assert (got_status, body["error"]["code"]) == (status, code), (asked, body)
        assert "sk-live-secret" not in str(body)
    _, body = await get(api, "big.txt")
    assert "AURO_MAX_FILE_BYTES" in body["error"]["message"]


async def test_missing_or_bad_path_is_a_422(start_api: StartApi) -> None:
    api, _ = await started(start_api)
    response = await api.client.get("/api/v1/files", headers=api.auth())
    body = await response.json()
    assert response.status == 422 and body["error"]["details"][0]["field"] == "query.path"
    for bad in ("x" * 601, "calc\x00.py"):
        status, body = await get(api, bad)
        assert (status, body["error"]["details"][0]["field"]) == (422, "query.path")


async def test_favicon_is_served_without_a_token(start_api: StartApi) -> None:
    api, _ = await started(start_api)
    response = await api.client.get("/favicon.ico")
    assert response.status == 200
    assert response.content_type == "image/svg+xml"
    assert (await response.read()).startswith(b"<svg")
