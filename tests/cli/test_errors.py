"""Every command, given a user mistake, says what is wrong and what fixes it: no traceback,
a non-zero exit (2 for a bad command line, 1 for a failed command)."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.lsp_harness import server_env


def auro(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        capture_output=True,
        text=True,
        env=server_env(tmp_path / ".data", **{"LOG_LEVEL": "WARNING", **env}),
        cwd=tmp_path,
        timeout=120,
    )


def assert_fails(result: subprocess.CompletedProcess[str], code: int, *phrases: str) -> None:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout == ""
    for phrase in phrases:
        assert phrase in result.stderr, result.stderr


@pytest.fixture
def busy_port():
    """A port something already listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_index_a_missing_folder(tmp_path):
    missing = str(tmp_path / "nonexistent")
    result = auro(tmp_path, "index", missing)
    assert_fails(result, 2, f"folder {missing}: no such directory", "fix: auro-pai index DIR")


def test_index_a_file_instead_of_a_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    result = auro(tmp_path, "index", "notes.txt")
    assert_fails(result, 2, "folder notes.txt: not a directory")


def test_search_a_missing_workspace(tmp_path):
    result = auro(tmp_path, "search", "x", "--workspace", "/nonexistent")
    assert_fails(result, 2, "--workspace /nonexistent: no such directory", "auro-pai search")


def test_search_a_folder_that_was_never_indexed(tmp_path):
    (tmp_path / "proj").mkdir()
    result = auro(tmp_path, "search", "x", "--workspace", "proj")
    root = (tmp_path / "proj").resolve()
    assert_fails(result, 1, f"{root} has not been indexed yet", f"fix: auro-pai index {root}")
    assert not list((tmp_path / ".data").rglob("index.sqlite3")), "nothing was created"


@pytest.mark.parametrize(
    ("value", "message"),
    [("0", "0 is out of range (1 to 100)"), ("101", "out of range"), ("ten", "'ten' is not")],
)
def test_search_k_is_validated(tmp_path, value, message):
    result = auro(tmp_path, "search", "x", "-k", value)
    assert_fails(result, 2, "argument -k:", message)


def test_chat_with_an_unknown_session(tmp_path):
    (tmp_path / "proj").mkdir()
    result = auro(
        tmp_path, "chat", "hi", "--workspace", "proj", "--session", "does-not-exist", "--no-rag"
    )
    assert_fails(
        result,
        1,
        "no chat session 'does-not-exist'",
        "--session does-not-exist --new-session",
    )


def test_chat_in_a_missing_workspace(tmp_path):
    result = auro(tmp_path, "chat", "hi", "--workspace", "nowhere")
    assert_fails(result, 2, "--workspace nowhere: no such directory", "auro-pai chat")


def test_serve_bad_flags(tmp_path):
    assert_fails(
        auro(tmp_path, "serve", "--workspace", "nowhere"), 2, "--workspace nowhere: no such"
    )
    assert_fails(
        auro(tmp_path, "serve", "--workspace", ".", "--port", "70000"),
        2,
        "argument --port: 70000 is out of range (0 to 65535)",
    )


def test_serve_on_a_busy_port(tmp_path, busy_port):
    (tmp_path / "proj").mkdir()
    result = auro(tmp_path, "serve", "--workspace", "proj", "--port", str(busy_port))
    assert_fails(result, 1, f"cannot listen on 127.0.0.1:{busy_port}", "choose another port")


def test_doctor_in_a_missing_workspace(tmp_path):
    result = auro(tmp_path, "doctor", "--workspace", "nowhere")
    assert_fails(result, 2, "--workspace nowhere: no such directory", "auro-pai doctor")


def test_config_bad_flag_and_missing_env_file(tmp_path):
    assert_fails(auro(tmp_path, "config", "--bogus"), 2, "unrecognized arguments: --bogus")
    result = auro(tmp_path, "config", "--env-file", "gone.env")
    assert_fails(result, 2, "--env-file gone.env: no such file", "leave out --env-file")


def test_lsp_bad_flags(tmp_path, busy_port):
    result = auro(tmp_path, "lsp", "--tcp", "--port", "http")
    assert_fails(result, 2, "argument --port: 'http' is not a whole number")
    result = auro(tmp_path, "lsp", "--tcp", "--port", str(busy_port))
    assert_fails(result, 1, f"cannot listen on 127.0.0.1:{busy_port}", "auro-pai lsp --tcp")


def test_lsp_flags_have_help(tmp_path):
    result = auro(tmp_path, "lsp", "--help")
    assert result.returncode == 0
    assert "TCP address to listen on" in result.stdout and "TCP port" in result.stdout


def test_debug_shows_the_traceback(tmp_path):
    result = auro(tmp_path, "--debug", "index", "nowhere")
    assert result.returncode == 2
    assert "Traceback" in result.stderr and "CliError" in result.stderr
    assert "folder nowhere: no such directory" in result.stderr
    result = auro(tmp_path, "index", "nowhere", LOG_LEVEL="DEBUG")
    assert "Traceback" in result.stderr
