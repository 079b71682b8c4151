"""`auro-pai mcp` as a command: bad input is a message and an exit code, never a traceback;
stdout carries nothing but MCP."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.mcp_client import mcp_env


def auro_mcp(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", "mcp", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )


def test_a_missing_or_unusable_workspace_is_a_usage_error(tmp_path: Path):
    env = mcp_env(tmp_path / "data")
    missing = auro_mcp(env, "--workspace", str(tmp_path / "nope"))
    assert missing.returncode == 2 and missing.stdout == ""
    assert (
        "no such directory" in missing.stderr and "auro-pai mcp --workspace DIR" in missing.stderr
    )
    assert "Traceback" not in missing.stderr
    (tmp_path / "file.txt").write_text("not a folder")
    not_dir = auro_mcp(env, "--workspace", str(tmp_path / "file.txt"))
    assert not_dir.returncode == 2 and "not a directory" in not_dir.stderr


def test_an_unusable_data_folder_is_reported_with_a_fix(repo: Path, tmp_path: Path):
    (tmp_path / "taken").write_text("a file where the data folder should be")
    result = auro_mcp(mcp_env(tmp_path / "taken" / "data"), "--workspace", str(repo))
    assert result.returncode == 1 and result.stdout == ""
    assert "cannot open Auro's data folder" in result.stderr and "AURO_DATA_DIR" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_client_that_goes_away_ends_the_server_with_nothing_on_stdout(repo: Path, tmp_path: Path):
    """The index opens (and the model loads) while stdin is already at its end: whatever
    that start-up prints must not reach stdout, and the server exits cleanly."""
    result = auro_mcp(mcp_env(tmp_path / "data", LOG_LEVEL="DEBUG"), "--workspace", str(repo))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "MCP tools use the index" in result.stderr
