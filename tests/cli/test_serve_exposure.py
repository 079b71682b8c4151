"""`auro-pai serve` prints the token, and refuses to listen beyond loopback without one."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support.lsp_harness import server_env


def run_serve(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", "serve", "--workspace", str(tmp_path), *args],
        capture_output=True,
        text=True,
        env=server_env(tmp_path / ".data", **env),
        timeout=120,
    )


@pytest.mark.parametrize(
    ("host", "env", "says"),
    [
        ("0.0.0.0", {}, "without a token: set AURO_HTTP_TOKEN"),
        ("::", {}, "without a token"),
        ("0.0.0.0", {"AURO_HTTP_TOKEN": "short"}, "at least 16 characters"),
        (
            "0.0.0.0",
            {"AURO_HTTP_TOKEN": "t" * 32, "AURO_HTTP_AUTH": "false"},
            "AURO_HTTP_AUTH=false",
        ),
    ],
)
def test_serve_refuses_to_expose_without_a_token(tmp_path, host, env, says) -> None:
    proc = run_serve(tmp_path, "--host", host, "--port", "0", **env)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert says in proc.stderr
    assert "serving" not in proc.stdout
