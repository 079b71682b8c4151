"""`auro-pai serve`: headless health API, printed URL, clean shutdown on SIGTERM and Ctrl-C."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.request

import pytest

from tests.support.lsp_harness import server_env


def start_serve(tmp_path, *args: str) -> tuple[subprocess.Popen, str, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--workspace", str(tmp_path), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=server_env(tmp_path / ".data"),
        text=True,
    )
    line = proc.stdout.readline()
    assert "serving" in line, proc.stderr.read()
    token_line = proc.stdout.readline()
    assert token_line.startswith("API token: "), token_line
    return proc, line.rsplit(" at ", 1)[1].strip(), token_line.split(": ", 1)[1].strip()


def get(url: str, token: str):
    return urllib.request.urlopen(
        urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    )


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serve_answers_health_and_stops_cleanly(tmp_path, sig):
    proc, url, token = start_serve(tmp_path, "--port", "0")
    try:
        assert url.startswith("http://127.0.0.1:")
        with get(f"{url}/api/v1/health", token) as response:
            body = json.load(response)
        assert response.status == 200 and body["version"]
        with urllib.request.urlopen(f"{url}/api/v1/health/readiness") as response:
            assert json.load(response)["status"] == "ready"
        address = json.loads(next((tmp_path / ".data").rglob("sidecar.json")).read_text())
        assert address["url"] == url
    finally:
        proc.send_signal(sig)
        assert proc.wait(timeout=30) == 0


def test_serve_refuses_a_missing_workspace(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "server.cli", "serve", "--workspace", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        env=server_env(tmp_path / ".data"),
        timeout=60,
    )
    assert proc.returncode == 2
    assert "no such directory" in proc.stderr


def test_unknown_route_is_json_404(tmp_path):
    proc, url, token = start_serve(tmp_path, "--port", "0")
    try:
        with pytest.raises(urllib.error.HTTPError) as info:
            get(f"{url}/api/v1/nothing", token)
        assert info.value.code == 404
        assert json.load(info.value)["error"]["code"] == "not_found"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
